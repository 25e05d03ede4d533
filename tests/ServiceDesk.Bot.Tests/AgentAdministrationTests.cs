using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>Admins disable, unlock and remove agents on the Agents page; never their own account.</summary>
[Collection(HostCollection.Name)]
public class AgentAdministrationTests
{
    private const string EvaEmail = "eva@desk.test";
    private const string EvaPassword = "Eva-Pass-2026!";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_disabled_agent_cannot_sign_in_until_enabled_and_a_removed_one_never_again(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var admin = await ConsoleClient.SignedInAsync(factory);
        await AddEvaAsync(admin);
        var eva = await IdOfAsync(factory, EvaEmail);
        await ConsoleClient.SignedInAsync(factory, EvaEmail, EvaPassword);

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(admin, "Disable", eva!)).StatusCode);
        var whileDisabled = await ConsoleClient.SignInAsync(ConsoleClient.Anonymous(factory), EvaEmail, EvaPassword);
        Assert.Equal(HttpStatusCode.OK, whileDisabled.StatusCode); // the form again
        Assert.Contains("locked", await whileDisabled.Content.ReadAsStringAsync());
        Assert.Contains("disabled", await admin.GetStringAsync("/agents"));

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(admin, "Unlock", eva!)).StatusCode);
        await ConsoleClient.SignedInAsync(factory, EvaEmail, EvaPassword);

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(admin, "Remove", eva!)).StatusCode);
        Assert.Null(await IdOfAsync(factory, EvaEmail));
        Assert.Equal(HttpStatusCode.OK, (await ConsoleClient.SignInAsync(ConsoleClient.Anonymous(factory), EvaEmail, EvaPassword)).StatusCode);
        Assert.DoesNotContain(EvaEmail, await admin.GetStringAsync("/agents"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_disabled_agent_loses_the_hub_at_once_and_the_console_once_the_session_check_interval_has_passed(DatabaseProvider provider)
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = (await DeskFactory.CreateAsync(provider)).WithTime(time).With("Agents:SessionCheckInterval", "00:01:00");
        var admin = await ConsoleClient.SignedInAsync(factory);
        await AddEvaAsync(admin);
        var eva = await ConsoleClient.SignedInAsync(factory, EvaEmail, EvaPassword);
        Assert.Equal(HttpStatusCode.OK, (await eva.GetAsync("/")).StatusCode);
        var (open, refusal) = await ConsoleHubProbe.OpenAsync(eva);
        Assert.Null(refusal);

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(admin, "Disable", (await IdOfAsync(factory, EvaEmail))!)).StatusCode);

        // The live feed she has open is closed by the disable itself.
        await ConsoleHubProbe.WaitForEndAsync(eva, open);

        // Her cookie is trusted until the next check, but the hub checks the account on every connect.
        Assert.Equal(HttpStatusCode.OK, (await eva.GetAsync("/")).StatusCode);
        Assert.Contains("session has ended", await ConsoleHubProbe.JoinAsync(eva));

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        var page = await eva.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.PathAndQuery, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, await ConsoleHubProbe.NegotiateAsync(eva));

        // The admin's session passes the same check and goes on.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/")).StatusCode);
        Assert.Null(await ConsoleHubProbe.JoinAsync(admin));
    }

    [Fact]
    public async Task An_admin_cannot_disable_or_remove_their_own_account()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var admin = await ConsoleClient.SignedInAsync(factory);
        var me = await IdOfAsync(factory, DeskFactory.AdminEmail);

        await PostAsync(admin, "Disable", me!);
        await PostAsync(admin, "Remove", me!);

        Assert.Contains("You cannot disable or remove your own account.", await admin.GetStringAsync("/agents"));
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>();
        var account = await users.FindByIdAsync(me!);
        Assert.NotNull(account);
        Assert.False(await users.IsLockedOutAsync(account));
    }

    [Fact]
    public async Task An_agent_locked_by_failed_sign_ins_is_unlocked_by_an_admin()
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite)).With("Agents:LockoutMaxFailedAttempts", "2");
        var admin = await ConsoleClient.SignedInAsync(factory);
        await AddEvaAsync(admin);
        var guesser = ConsoleClient.Anonymous(factory);
        await ConsoleClient.SignInAsync(guesser, EvaEmail, "wrong-password");
        await ConsoleClient.SignInAsync(guesser, EvaEmail, "wrong-password");
        Assert.Contains("locked", await (await ConsoleClient.SignInAsync(guesser, EvaEmail, EvaPassword)).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(admin, "Unlock", (await IdOfAsync(factory, EvaEmail))!)).StatusCode);

        await ConsoleClient.SignedInAsync(factory, EvaEmail, EvaPassword);
    }

    private static async Task AddEvaAsync(HttpClient admin)
    {
        var token = await ConsoleClient.TokenAsync(admin, "/agents");
        var added = await admin.PostAsync("/agents", ConsoleClient.Form(("DisplayName", "Eva"), ("Email", EvaEmail), ("Password", EvaPassword), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient admin, string handler, string id)
    {
        var token = await ConsoleClient.TokenAsync(admin, "/agents");
        return await admin.PostAsync($"/agents?handler={handler}", ConsoleClient.Form(("Id", id), ("__RequestVerificationToken", token)));
    }

    private static async Task<string?> IdOfAsync(DeskFactory factory, string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AgentUser>>().FindByEmailAsync(email))?.Id;
    }
}
