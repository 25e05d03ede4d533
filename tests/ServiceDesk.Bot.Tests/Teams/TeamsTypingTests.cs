using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Bot.AgentConsole;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bot.Tests.Teams;

/// <summary>
/// An agent typing in a Teams conversation they hold: the console hub, on the real host's services, sends a
/// <c>typing</c> activity to the Bot Connector at most once per 3 s, and a Connector failure stays out of the hub.
/// </summary>
[Collection(HostCollection.Name)]
public class TeamsTypingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly AgentRef Ana = new("agent-ana", "Ana");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Keystrokes_within_three_seconds_show_one_typing_indicator_in_the_users_chat(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var conversationId = await HeldTeamsConversationAsync(host);
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var throttle = new TypingThrottle(time);

        await TypeAsync(host, throttle, conversationId);
        time.Advance(TimeSpan.FromSeconds(1));
        await TypeAsync(host, throttle, conversationId);
        time.Advance(TimeSpan.FromSeconds(1.9));
        await TypeAsync(host, throttle, conversationId);

        var first = Assert.Single(TypingCalls(host));
        Assert.Equal("Conversations_SendToConversation", first.Operation);
        Assert.Equal("a:1personal-conversation", first.ConversationId);
        Assert.Equal("a:1personal-conversation", (string?)first.Body!["conversation"]!["id"]);
        Assert.Equal(TestActivities.BotId, (string?)first.Body["from"]!["id"]);
        Assert.Equal("Bearer " + host.Authority.TokenFor(1), first.Authorization);

        time.Advance(TimeSpan.FromSeconds(0.1));
        await TypeAsync(host, throttle, conversationId);

        Assert.Equal(2, TypingCalls(host).Count);
        Assert.All(TypingCalls(host), c => Assert.Equal("a:1personal-conversation", c.ConversationId));
    }

    [Fact]
    public async Task A_failing_connector_loses_the_indicator_and_nothing_else()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var conversationId = await HeldTeamsConversationAsync(host);
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var throttle = new TypingThrottle(time);

        // Throttled: one attempt, no retry after the Retry-After, and the hub call completes normally.
        host.Connector.Script(ScriptedResponse.TooManyRequests(TimeSpan.FromSeconds(1)));
        await TypeAsync(host, throttle, conversationId);
        Assert.Single(TypingCalls(host));

        // A Connector that never answers: given up after the relay's short timeout, not the HTTP client's.
        time.Advance(TypingThrottle.Interval);
        host.Connector.Script(ScriptedResponse.NoAnswer());
        var clock = Stopwatch.StartNew();
        await TypeAsync(host, throttle, conversationId);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        Assert.Equal(2, TypingCalls(host).Count);

        // The agent's next burst after the interval goes out again.
        time.Advance(TypingThrottle.Interval);
        await TypeAsync(host, throttle, conversationId);
        Assert.Equal(3, TypingCalls(host).Count);
    }

    [Fact]
    public async Task Other_channels_and_foreign_reply_handles_send_nothing_to_the_connector()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var relay = host.Desk.Services.GetRequiredService<ITypingRelay>();
        var reference = """{"serviceUrl":"SERVICE","conversation":{"id":"a:1personal-conversation"}}""".Replace("SERVICE", host.Connector.ServiceUrl);

        await relay.SendTypingAsync(Channel.Sms, "+34600111222|+34900000000", CancellationToken.None);
        await relay.SendTypingAsync(Channel.Email, reference, CancellationToken.None);
        await relay.SendTypingAsync(Channel.Teams, "not a conversation reference", CancellationToken.None);

        Assert.IsType<ServiceDesk.Channels.Teams.TeamsTypingRelay>(relay);
        Assert.Empty(host.Connector.Calls);
    }

    /// <summary>A Teams user writes (so the desk stores the conversation reference and trusts the serviceUrl) and Ana takes the chat over.</summary>
    private static async Task<long> HeldTeamsConversationAsync(TeamsHost host)
    {
        await host.PostAsync(host.Message("My laptop does not start", id: "1485983408700"));
        await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        var conversationId = await host.InDatabaseAsync(db => db.Conversations.Where(c => c.Channel == Channel.Teams).Select(c => c.Id).SingleAsync());

        await using (var scope = host.Desk.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<HandoffService>().TakeOverAsync(conversationId, Ana, CancellationToken.None);
            Assert.Equal(TakeOverOutcome.TakenOver, result.Outcome);
        }

        // The "an agent joined" notice goes out through the outbox: let it pass before scripting the Connector's answers.
        await host.Connector.WaitForAsync(c => c.Operation == "Conversations_SendToConversation" && (string?)c.Body?["type"] == "message", Timeout);
        return conversationId;
    }

    /// <summary>One hub invocation, as SignalR makes it: a fresh hub in its own scope, with Ana signed in.</summary>
    private static async Task TypeAsync(TeamsHost host, TypingThrottle throttle, long conversationId)
    {
        await using var scope = host.Desk.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        using var hub = new ConsoleHub(services.GetRequiredService<HandoffService>(), services.GetRequiredService<ITypingRelay>(), throttle, services.GetRequiredService<SignInManager<AgentUser>>(), services.GetRequiredService<ConsoleConnections>(), services.GetRequiredService<ILogger<ConsoleHub>>())
        {
            Context = new AgentCallerContext(Ana),
        };
        await hub.Typing(conversationId);
    }

    private static List<ConnectorCall> TypingCalls(TeamsHost host) =>
        [.. host.Connector.Calls.Where(c => (string?)c.Body?["type"] == "typing")];

    private sealed class AgentCallerContext(AgentRef agent) : HubCallerContext
    {
        public override string ConnectionId { get; } = Guid.NewGuid().ToString("N");

        public override string? UserIdentifier => agent.Id;

        public override ClaimsPrincipal? User { get; } = new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, agent.Id), new Claim(AgentSignIn.DisplayNameClaim, agent.Name)], "test"));

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
