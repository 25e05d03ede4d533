using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bot.Tests.Teams;

/// <summary>Only activities Bot Framework really sent get in: every forged or stale token is a 401 that stores nothing.</summary>
[Collection(HostCollection.Name)]
public class TeamsAuthenticationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_valid_token_is_accepted_the_turn_stored_and_answered_through_the_connector()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);

        var response = await host.PostAsync(host.Message("My laptop does not start", id: "1485983408511"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await host.TicketCountAsync());
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Equal("1485983408511", reply.ActivityId);
        Assert.Equal("Bearer " + host.Authority.TokenFor(1), reply.Authorization);
        Assert.Matches(@"SD-\d+", reply.VisibleText);
        var trusted = await host.InDatabaseAsync(db => db.TrustedServiceUrls.Select(u => u.Url).ToListAsync());
        Assert.Equal([host.Connector.ServiceUrl], trusted);
    }

    [Fact]
    public async Task A_sovereign_cloud_takes_its_own_issuer_and_connector_scope()
    {
        const string Issuer = "https://api.botframework.us", Scope = "https://api.botframework.us/.default";
        await using var host = await TeamsHost.StartAsync(
            DatabaseProvider.Sqlite,
            authentication: true,
            ("Channels:Teams:BotFrameworkIssuer", Issuer),
            ("Channels:Teams:ConnectorScope", Scope));
        host.Authority.ConnectorScope = Scope;
        var serviceUrl = host.Connector.ServiceUrl;

        var publicCloud = await host.PostAsync(host.Message("VPN drops", id: "1485983408601"), "Bearer " + host.Authority.MintChannelToken(serviceUrl));
        var sovereign = await host.PostAsync(host.Message("VPN drops", id: "1485983408602"), "Bearer " + host.Authority.MintChannelToken(serviceUrl, issuer: Issuer));

        Assert.Equal(HttpStatusCode.Unauthorized, publicCloud.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sovereign.StatusCode);
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Equal("Bearer " + host.Authority.TokenFor(1), reply.Authorization);
    }

    public static TheoryData<string> ForgedTokens =>
    [
        "wrong audience", "expired", "wrong issuer", "bad signature", "serviceUrl mismatch", "no serviceurl claim",
        "missing endorsement", "missing header", "not a bearer token", "not a jwt", "other tenant", "unsigned",
    ];

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task A_forged_or_stale_token_is_refused_and_nothing_is_stored(string forgery)
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var activity = host.Message("Please reset my password");
        var serviceUrl = host.Connector.ServiceUrl;
        var authority = host.Authority;
        var authorization = forgery switch
        {
            "wrong audience" => Bearer(authority.MintChannelToken(serviceUrl, audience: "11111111-2222-3333-4444-555555555555")),
            "expired" => Bearer(authority.MintChannelToken(serviceUrl, expires: DateTimeOffset.UtcNow.AddMinutes(-6))),
            "wrong issuer" => Bearer(authority.MintChannelToken(serviceUrl, issuer: "https://api.botframework.example")),
            "bad signature" => Bearer(authority.MintChannelToken(serviceUrl, key: authority.CreateKey(authority.SigningKey.Kid))),
            "serviceUrl mismatch" => Bearer(authority.MintChannelToken("https://attacker.example/")),
            "no serviceurl claim" => Bearer(authority.MintChannelToken(serviceUrl, includeServiceUrl: false)),
            "missing endorsement" => Bearer(authority.MintChannelToken(serviceUrl, key: authority.CreateKey("bf-webchat-only", ["webchat"], publish: true))),
            "missing header" => null,
            "not a bearer token" => "Basic dXNlcjpwYXNz",
            "not a jwt" => "Bearer not.a.jwt",
            "other tenant" => Bearer(authority.MintEntraToken(serviceUrl, tenantId: "99999999-9999-9999-9999-999999999999")),
            "unsigned" => Bearer(Unsigned(authority.MintChannelToken(serviceUrl))),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        var response = await host.PostAsync(activity, authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(host);
    }

    [Fact]
    public async Task A_token_within_the_five_minute_skew_is_still_accepted()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var activity = host.Message("Printer jam");

        var response = await host.PostAsync(activity, Bearer(host.Authority.MintChannelToken(host.Connector.ServiceUrl, expires: DateTimeOffset.UtcNow.AddMinutes(-3))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_token_sent_with_many_activities_is_still_checked_against_each_ones_serviceUrl()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var token = Bearer(host.Authority.MintChannelToken(host.Connector.ServiceUrl));
        var elsewhere = host.Message("third", id: "1485983408703");
        elsewhere["serviceUrl"] = "https://attacker.example/";

        var first = await host.PostAsync(host.Message("first", id: "1485983408701"), token);
        var second = await host.PostAsync(host.Message("second", id: "1485983408702"), token);
        var messagesBefore = await host.InDatabaseAsync(db => db.Messages.CountAsync());
        var planted = await host.PostAsync(elsewhere, token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, planted.StatusCode);
        Assert.Equal(messagesBefore, await host.InDatabaseAsync(db => db.Messages.CountAsync()));
        Assert.Equal([host.Connector.ServiceUrl], await host.InDatabaseAsync(db => db.TrustedServiceUrls.Select(u => u.Url).ToListAsync()));
    }

    [Fact]
    public async Task An_unknown_signing_key_refreshes_the_metadata_once_and_then_accepts()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("first"))).StatusCode);
        var fetchesBefore = host.Authority.KeySetRequests;

        // Bot Framework rotates its keys: the new key signs tokens before the desk has fetched it.
        var rotated = host.Authority.CreateKey("bf-key-2");
        host.Authority.Publish(rotated);
        var response = await host.PostAsync(host.Message("second"), Bearer(host.Authority.MintChannelToken(host.Connector.ServiceUrl, key: rotated)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fetchesBefore + 1, host.Authority.KeySetRequests);
        Assert.Equal(1, await host.TicketCountAsync());
    }

    [Fact]
    public async Task A_key_the_metadata_never_publishes_is_refused_after_the_refresh()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);

        var unpublished = host.Authority.CreateKey("bf-rogue");
        var response = await host.PostAsync(host.Message("hello"), Bearer(host.Authority.MintChannelToken(host.Connector.ServiceUrl, key: unpublished)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(host);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task A_single_tenant_bot_accepts_its_tenants_entra_issuers(string version)
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var issuer = version == "v1"
            ? $"https://sts.windows.net/{BotFrameworkAuthority.TenantId}/"
            : $"https://login.microsoftonline.com/{BotFrameworkAuthority.TenantId}/v2.0";

        var response = await host.PostAsync(host.Message("VPN down"), Bearer(host.Authority.MintEntraToken(host.Connector.ServiceUrl, issuer)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_multi_tenant_bot_does_not_accept_entra_issuers()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite, settings: ("Channels:Teams:MicrosoftAppType", "MultiTenant"));

        var response = await host.PostAsync(host.Message("VPN down"), Bearer(host.Authority.MintEntraToken(host.Connector.ServiceUrl)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(host);
    }

    [Fact]
    public async Task Without_an_app_id_only_local_callers_get_in()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite, authentication: false);
        var body = host.Message("Printer jam").ToJsonString();

        var remote = await host.Desk.Server.SendAsync(context => Post(context, body, IPAddress.Parse("203.0.113.9")));
        Assert.Equal(StatusCodes.Status401Unauthorized, remote.Response.StatusCode);
        await AssertNothingStoredAsync(host);

        var local = await host.Desk.Server.SendAsync(context => Post(context, body, IPAddress.Loopback));
        Assert.Equal(StatusCodes.Status200OK, local.Response.StatusCode);
        Assert.Equal(1, await host.TicketCountAsync());

        // No credentials: the reply goes out without a token.
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Null(reply.Authorization);
    }

    [Theory]
    [InlineData("{\"type\":\"message\",\"text\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"text\":\"no type\"}")]
    [InlineData("{\"type\":\"message\",\"from\":\"not an object\"}")]
    public async Task A_malformed_activity_is_a_400_and_stores_nothing(string body)
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
        request.Headers.Authorization = new("Bearer", host.Authority.MintChannelToken(host.Connector.ServiceUrl));

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingStoredAsync(host);
    }

    private static void Post(HttpContext context, string body, IPAddress remote)
    {
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/api/messages";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
        context.Connection.RemoteIpAddress = remote;
    }

    private static async Task AssertNothingStoredAsync(TeamsHost host)
    {
        Assert.Equal(0, await host.TicketCountAsync());
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Messages.CountAsync()));
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Contacts.CountAsync()));
        Assert.Equal(0, await host.InDatabaseAsync(db => db.TrustedServiceUrls.CountAsync()));
        Assert.Empty(host.Connector.Calls);
    }

    private static string Bearer(string token) => "Bearer " + token;

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    private static string Unsigned(string token)
    {
        var header = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        return $"{header}.{token.Split('.')[1]}.";
    }
}
