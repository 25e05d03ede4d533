using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary>Which Entra sign-ins reach which agent account: tenant checked, linked by object id, e-mail only when verified.</summary>
[Collection(HostCollection.Name)]
public class EntraSignInTests
{
    private const string Tenant = "11111111-2222-3333-4444-555555555555";
    private const string OtherTenant = "99999999-8888-7777-6666-555555555555";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_verified_email_links_the_agent_once_then_the_object_id_signs_in(DatabaseProvider provider)
    {
        await using var factory = await EntraDeskAsync(provider);
        await AddAgentAsync(factory, "eva@desk.test");

        var first = await LinkAsync(factory, Token("oid-eva", email: "eva@desk.test", ("email_verified", "true")));
        var later = await LinkAsync(factory, Token("OID-EVA")); // no e-mail at all: the object id alone finds her
        var domainVerified = await LinkAsync(factory, Token("oid-eva-2", email: "eva@desk.test", ("xms_edov", "1")));

        Assert.Equal((EntraRefusal.None, "eva@desk.test"), first);
        Assert.Equal((EntraRefusal.None, "eva@desk.test"), later);

        // Eva is linked already: a second Entra account with her address does not become her.
        Assert.Equal((EntraRefusal.NoAgent, null), domainVerified);
        Assert.Equal([$"{Tenant}/oid-eva"], await LoginKeysAsync(factory, "eva@desk.test"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Unverified_or_display_only_addresses_link_nobody(DatabaseProvider provider)
    {
        await using var factory = await EntraDeskAsync(provider);
        await AddAgentAsync(factory, "eva@desk.test");

        var unverified = await LinkAsync(factory, Token("oid-1", email: "eva@desk.test"));
        var statedFalse = await LinkAsync(factory, Token("oid-2", email: "eva@desk.test", ("email_verified", "false"), ("xms_edov", "false")));
        var usernameOnly = await LinkAsync(factory, Token("oid-3", email: null, ("preferred_username", "eva@desk.test"), ("email_verified", "true")));

        Assert.Equal((EntraRefusal.NoAgent, null), unverified);
        Assert.Equal((EntraRefusal.NoAgent, null), statedFalse);
        Assert.Equal((EntraRefusal.NoAgent, null), usernameOnly);
        Assert.Empty(await LoginKeysAsync(factory, "eva@desk.test"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Another_tenant_or_a_token_without_ids_is_refused_even_for_a_linked_object_id(DatabaseProvider provider)
    {
        await using var factory = await EntraDeskAsync(provider);
        await AddAgentAsync(factory, "eva@desk.test");
        Assert.Equal((EntraRefusal.None, "eva@desk.test"), await LinkAsync(factory, Token("oid-eva", email: "eva@desk.test", ("email_verified", "true"))));

        var otherTenant = await LinkAsync(factory, Token("oid-eva", email: "eva@desk.test", ("email_verified", "true")), tenant: OtherTenant);
        var noTenant = await LinkAsync(factory, Token("oid-eva"), tenant: null);
        var noObjectId = await LinkAsync(factory, Token(null, email: "eva@desk.test", ("email_verified", "true")));

        Assert.Equal((EntraRefusal.WrongTenant, null), otherTenant);
        Assert.Equal((EntraRefusal.WrongTenant, null), noTenant);
        Assert.Equal((EntraRefusal.WrongTenant, null), noObjectId);
    }

    [Fact]
    public async Task A_locked_agent_is_not_signed_in_through_entra()
    {
        await using var factory = await EntraDeskAsync(DatabaseProvider.Sqlite);
        await AddAgentAsync(factory, "eva@desk.test");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync("eva@desk.test"))!, DateTimeOffset.MaxValue);
        }

        Assert.Equal((EntraRefusal.LockedOut, null), await LinkAsync(factory, Token("oid-eva", email: "eva@desk.test", ("email_verified", "true"))));
    }

    [Fact]
    public async Task A_tenant_given_as_a_domain_name_stops_the_start()
    {
        await using var factory = (await EntraDeskAsync(DatabaseProvider.Sqlite)).With("Agents:Entra:TenantId", "contoso.onmicrosoft.com");

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Agents:Entra:TenantId must be the directory (tenant) ID", error.Message);
    }

    private static async Task<DeskFactory> EntraDeskAsync(DatabaseProvider provider) =>
        (await DeskFactory.CreateAsync(provider))
            .With("Agents:Entra:TenantId", Tenant)
            .With("Agents:Entra:ClientId", "console-app")
            .With("Agents:Entra:ClientSecret", "not-used-here");

    private static (string? Oid, string? Email, (string Type, string Value)[] Claims) Token(string? oid, string? email = null, params (string, string)[] claims) => (oid, email, claims);

    private static async Task<(EntraRefusal, string?)> LinkAsync(DeskFactory factory, (string? Oid, string? Email, (string Type, string Value)[] Claims) token, string? tenant = Tenant)
    {
        var claims = new List<Claim> { new("sub", Guid.NewGuid().ToString("N")) };
        AddIf(claims, "tid", tenant);
        AddIf(claims, "oid", token.Oid);
        AddIf(claims, "email", token.Email);
        claims.AddRange(token.Claims.Select(c => new Claim(c.Type, c.Value)));
        _ = factory.Services; // starts the host
        await using var scope = factory.Services.CreateAsyncScope();
        var (agent, refusal) = await scope.ServiceProvider.GetRequiredService<EntraAccountLink>().FindOrLinkAsync(new ClaimsPrincipal(new ClaimsIdentity(claims, "Entra")));
        return (refusal, agent?.Email);
    }

    private static void AddIf(List<Claim> claims, string type, string? value)
    {
        if (value is not null)
        {
            claims.Add(new Claim(type, value));
        }
    }

    private static async Task AddAgentAsync(DeskFactory factory, string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>();
        var agent = new AgentUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = email };
        Assert.True((await users.CreateAsync(agent, "Agent-Pass-2026!")).Succeeded);
        await users.AddToRoleAsync(agent, AgentRoles.Agent);
    }

    private static async Task<string[]> LoginKeysAsync(DeskFactory factory, string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>();
        return [.. (await users.GetLoginsAsync((await users.FindByEmailAsync(email))!)).Select(l => l.ProviderKey)];
    }
}
