using System.Diagnostics;
using Activity = ServiceDesk.Channels.Teams.Activity;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Channels.Tests.Teams;

public sealed class ConnectorClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private BotFrameworkAuthority _authority = null!;
    private ConnectorStub _connector = null!;

    public async Task InitializeAsync()
    {
        _authority = await BotFrameworkAuthority.StartAsync();
        _connector = await ConnectorStub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _connector.DisposeAsync();
        await _authority.DisposeAsync();
    }

    [Fact]
    public async Task A_reply_goes_to_the_escaped_activity_path_with_a_cached_client_credentials_token()
    {
        await using var desk = await CreateDeskAsync();
        var client = desk.Services.GetRequiredService<BotConnectorClient>();
        await desk.Services.GetRequiredService<ServiceUrlTrust>().RememberAsync(_connector.ServiceUrl, CancellationToken.None);

        var conversation = "19:abc@thread.tacv2;messageid=1632";
        var first = await client.ReplyToActivityAsync(_connector.ServiceUrl, conversation, "1632", new Activity { Type = "message", Text = "one" }, CancellationToken.None);
        await client.SendToConversationAsync(_connector.ServiceUrl, conversation, new Activity { Type = "message", Text = "two" }, CancellationToken.None);

        Assert.StartsWith("activity-", first!.Id);
        var calls = _connector.Calls;
        Assert.Equal(["Conversations_ReplyToActivity", "Conversations_SendToConversation"], calls.Select(c => c.Operation));
        Assert.Equal("/v3/conversations/19%3Aabc%40thread.tacv2%3Bmessageid%3D1632/activities/1632", calls[0].RawPath);
        Assert.Equal(conversation, calls[0].ConversationId);
        Assert.Equal("1632", (string?)calls[0].Body!["replyToId"]);
        Assert.All(calls, c => Assert.Equal("Bearer " + _authority.TokenFor(1), c.Authorization));
        Assert.Equal(1, _authority.TokenRequests);
    }

    [Fact]
    public async Task A_managed_identity_bot_gets_its_token_from_the_instance_metadata_endpoint()
    {
        await using var desk = await CreateDeskAsync(
            ("Channels:Teams:MicrosoftAppType", "UserAssignedMSI"),
            ("Channels:Teams:MicrosoftAppPassword", ""),
            ("Channels:Teams:TokenEndpoint", _authority.ManagedIdentityEndpoint));
        var client = await TrustedClientAsync(desk);

        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        Assert.Equal("Bearer " + _authority.TokenFor(1), Assert.Single(_connector.Calls).Authorization);
    }

    [Fact]
    public async Task The_token_is_renewed_shortly_before_it_expires()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);

        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);
        desk.Time.Advance(TimeSpan.FromMinutes(54));
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "y" }, CancellationToken.None);
        desk.Time.Advance(TimeSpan.FromMinutes(2));
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "z" }, CancellationToken.None);

        Assert.Equal(2, _authority.TokenRequests);
        Assert.Equal("Bearer " + _authority.TokenFor(2), _connector.Calls[^1].Authorization);
    }

    [Fact]
    public async Task A_failed_renewal_keeps_the_token_while_it_is_good_and_then_fails_clearly()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        // Due for renewal (the token lives 3599 s), but the token endpoint is down: the token still in date is sent.
        _authority.TokenEndpointFailure = (int)HttpStatusCode.ServiceUnavailable;
        desk.Time.Advance(TimeSpan.FromMinutes(56));
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "y" }, CancellationToken.None);
        Assert.Equal("Bearer " + _authority.TokenFor(1), _connector.Calls[^1].Authorization);
        Assert.Equal(1, _authority.RefusedTokenRequests);

        // Not every call asks again: the next try waits a little.
        desk.Time.Advance(TimeSpan.FromSeconds(10));
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "z" }, CancellationToken.None);
        Assert.Equal(1, _authority.RefusedTokenRequests);

        // A minute before it expires the token is no longer sent: the call fails, saying why, and nothing reached the Connector.
        var calls = _connector.Calls.Count;
        desk.Time.Advance(TimeSpan.FromMinutes(3));
        var failure = await Assert.ThrowsAsync<ConnectorTokenException>(() =>
            client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "late" }, CancellationToken.None));
        Assert.Contains("No Bot Connector token", failure.Message, StringComparison.Ordinal);
        Assert.Contains("The token endpoint answered 503", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, _authority.RefusedTokenRequests);
        Assert.Equal(calls, _connector.Calls.Count);

        // Once the endpoint answers again, a new token is fetched and used.
        _authority.TokenEndpointFailure = null;
        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "again" }, CancellationToken.None);
        Assert.Equal("Bearer " + _authority.TokenFor(2), _connector.Calls[^1].Authorization);
    }

    [Fact]
    public async Task Throttling_is_retried_after_the_time_retry_after_names()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        _connector.Script(ScriptedResponse.TooManyRequests(TimeSpan.FromSeconds(1)));

        var clock = Stopwatch.StartNew();
        var sent = await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        Assert.NotNull(sent?.Id);
        var calls = _connector.Calls;
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromMilliseconds(950), $"retried after {calls[1].ReceivedAt - calls[0].ReceivedAt}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_wait_longer_than_allowed_is_handed_back_with_its_retry_after()
    {
        await using var desk = await CreateDeskAsync(("Channels:Teams:MaxRetryWait", "00:00:02"));
        var client = await TrustedClientAsync(desk);
        _connector.Script(ScriptedResponse.TooManyRequests(TimeSpan.FromSeconds(30)));

        var failure = await Assert.ThrowsAsync<ConnectorException>(() =>
            client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None));

        Assert.True(failure.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(30), failure.RetryAfter);
        Assert.Single(_connector.Calls);
    }

    [Theory]
    [InlineData(412)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Gateway_errors_and_precondition_failures_are_retried(int status)
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        _connector.Script(new ScriptedResponse(status, "{}"));

        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        Assert.Equal(2, _connector.Calls.Count);
    }

    [Fact]
    public async Task A_blocked_conversation_is_a_permanent_refusal_that_names_the_recipient()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        _connector.Script(ScriptedResponse.Blocked());

        var failure = await Assert.ThrowsAsync<ConnectorException>(() =>
            client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, failure.Status);
        Assert.Equal("MessageWritesBlocked", failure.ErrorCode);
        Assert.True(failure.IsRecipientBlocked);
        Assert.False(failure.IsTransient);
        Assert.Single(_connector.Calls);
    }

    [Fact]
    public async Task The_swagger_error_shape_names_a_blocked_user_too()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        _connector.Script(new ScriptedResponse(403, """{"error":{"code":"ConversationBlockedByUser","message":"User blocked the conversation with the bot."}}"""));

        var failure = await Assert.ThrowsAsync<ConnectorException>(() =>
            client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None));

        Assert.True(failure.IsRecipientBlocked);
    }

    [Fact]
    public async Task No_token_goes_to_a_service_url_that_never_came_on_an_authenticated_activity()
    {
        await using var desk = await CreateDeskAsync();
        var client = desk.Services.GetRequiredService<BotConnectorClient>();

        await Assert.ThrowsAsync<UntrustedServiceUrlException>(() =>
            client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None));

        Assert.Empty(_connector.Calls);
        Assert.Equal(0, _authority.TokenRequests);
    }

    [Fact]
    public async Task An_allow_listed_host_is_trusted_without_having_been_seen()
    {
        await using var desk = await CreateDeskAsync(("Channels:Teams:AllowedServiceUrlHosts:0", "127.0.0.1"));
        var client = desk.Services.GetRequiredService<BotConnectorClient>();

        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        Assert.Single(_connector.Calls);
    }

    [Fact]
    public async Task Trust_survives_a_restart_because_it_is_stored()
    {
        await using var desk = await CreateDeskAsync();
        await desk.Services.GetRequiredService<ServiceUrlTrust>().RememberAsync(_connector.ServiceUrl.ToUpperInvariant().Replace("HTTP://", "http://"), CancellationToken.None);

        // A fresh instance (another server, or this one after a restart) knows nothing in memory.
        var fresh = ActivatorUtilities.CreateInstance<ServiceUrlTrust>(desk.Services);

        Assert.True(await fresh.IsTrustedAsync(_connector.ServiceUrl, CancellationToken.None));
        Assert.False(await fresh.IsTrustedAsync("https://attacker.example/", CancellationToken.None));
        var stored = await desk.InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<ServiceDeskDbContext>().TrustedServiceUrls.Select(u => u.Url).ToList()));
        Assert.Equal([_connector.ServiceUrl], stored);
    }

    [Fact]
    public async Task Without_an_app_id_nothing_is_authenticated_and_any_local_connector_is_used()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddTeamsChannel(new ConfigurationBuilder().Build()));
        var client = desk.Services.GetRequiredService<BotConnectorClient>();

        await client.SendToConversationAsync(_connector.ServiceUrl, "a:1", new Activity { Type = "message", Text = "x" }, CancellationToken.None);

        Assert.Null(Assert.Single(_connector.Calls).Authorization);
    }

    [Fact]
    public async Task Update_and_create_conversation_follow_the_swagger()
    {
        await using var desk = await CreateDeskAsync();
        var client = await TrustedClientAsync(desk);
        var parameters = JsonSerializer.Deserialize(
            File.ReadAllText(SharedFiles.Path("fixtures", "teams", "createConversation-personal.json")), TeamsJson.Default.ConversationParameters)!;
        parameters.Activity = new Activity { Type = "message", Text = "Your ticket SD-1 was updated" };

        var created = await client.CreateConversationAsync(_connector.ServiceUrl, parameters, CancellationToken.None);
        await client.UpdateActivityAsync(_connector.ServiceUrl, created!.Id!, created.ActivityId!, new Activity { Type = "message", Text = "edited" }, CancellationToken.None);

        Assert.StartsWith("conversation-", created.Id);
        var calls = _connector.Calls;
        Assert.Equal("Conversations_CreateConversation", calls[0].Operation);
        Assert.Equal("29:012d20j1cjo20211", (string?)calls[0].Body!["members"]![0]!["id"]);
        Assert.Equal("197231joe-1209j01821-012kdjoj", (string?)calls[0].Body!["channelData"]!["tenant"]!["id"]);
        Assert.Equal("Conversations_UpdateActivity", calls[1].Operation);
        Assert.Equal("PUT", calls[1].Method);
        Assert.Equal(created.ActivityId, (string?)calls[1].Body!["id"]);
        Assert.Equal(created.ActivityId, calls[1].ActivityId);
    }

    [Fact]
    public async Task The_fixture_create_conversation_response_parses()
    {
        var response = JsonSerializer.Deserialize(
            File.ReadAllText(SharedFiles.Path("fixtures", "teams", "createConversation-response.json")), TeamsJson.Default.ConversationResourceResponse)!;
        var thread = JsonSerializer.Deserialize(
            File.ReadAllText(SharedFiles.Path("fixtures", "teams", "createConversation-channelThread.json")), TeamsJson.Default.ConversationParameters)!;

        Assert.StartsWith("a:1qhNLqpUtmuI6U35", response.Id);
        Assert.True(thread.IsGroup);
        Assert.Equal("19:<channel-id>@thread.tacv2", thread.ChannelData!.Channel!.Id);
        Assert.Equal("New ticket INC-2 opened", thread.Activity!.Text);
        await Task.CompletedTask;
    }

    private async Task<BotConnectorClient> TrustedClientAsync(TestDesk desk)
    {
        await desk.Services.GetRequiredService<ServiceUrlTrust>().RememberAsync(_connector.ServiceUrl, CancellationToken.None);
        return desk.Services.GetRequiredService<BotConnectorClient>();
    }

    private Task<TestDesk> CreateDeskAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(_authority.Settings());
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddTeamsChannel(configuration), settings);
    }
}
