using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bot.Tests.Teams;

/// <summary>
/// The bot's answers in Teams survive a Bot Connector that fails during the user's turn: sent inline when it works,
/// handed to the outbox when it does not, and never recorded as sent when they were not.
/// </summary>
[Collection(HostCollection.Name)]
public class TeamsReplyDurabilityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(3);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_reply_the_connector_fails_is_delivered_later_through_the_outbox_once_in_the_users_language(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        host.Connector.Script(new ScriptedResponse(
            (int)HttpStatusCode.ServiceUnavailable,
            """{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}""",
            RetryAfter));
        var message = host.Message("La impresora de la planta 2 no imprime", id: "1700000000501", locale: "es-ES");

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(message)).StatusCode);

        // The answer waits in the outbox, as prepared, and the transcript says it is not sent yet.
        var inline = Assert.Single(host.Connector.Calls);
        Assert.Equal("Conversations_ReplyToActivity", inline.Operation);
        var replies = await BotRepliesAsync(host);
        Assert.NotEmpty(replies);
        Assert.All(replies, r => Assert.Equal(DeliveryState.Queued, r.DeliveryState));
        var rows = await host.InDatabaseAsync(db => db.Outbox.AsNoTracking().OrderBy(o => o.Id).ToListAsync());
        Assert.Equal(replies.Select(r => r.Id), rows.Select(o => o.MessageId));
        Assert.All(rows, o => Assert.Equal(OutboxState.Pending, o.State));
        Assert.Equal(1, rows[0].Attempts);
        Assert.Contains("ServiceUnavailable", rows[0].LastError);

        // The replies after the failed one were never tried: they wait behind it with no attempt or error of their own.
        Assert.All(rows.Skip(1), o => Assert.Equal((0, null), (o.Attempts, o.LastError)));

        // The channel redelivers the activity meanwhile: nothing new is stored, nothing answered.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(message)).StatusCode);
        Assert.Single(host.Connector.Calls);

        // After the Retry-After, a delivery job sends each reply once: the card the user should have seen, in Spanish.
        await Poll.UntilAsync(
            async () => (await BotRepliesAsync(host)).All(r => r.DeliveryState == DeliveryState.Sent),
            Timeout,
            () => "The replies were not delivered by the outbox.");
        var later = host.Connector.Calls.Where(c => c.Operation == "Conversations_SendToConversation").ToList();
        Assert.Equal(replies.Count, later.Count);
        Assert.Equal(replies.Count + 1, host.Connector.Calls.Count);
        Assert.All(later, c => Assert.Equal("a:1personal-conversation", c.ConversationId));
        Assert.All(later, c => Assert.True(c.ReceivedAt - inline.ReceivedAt >= RetryAfter - TimeSpan.FromMilliseconds(100)));
        Assert.Contains(later, c => JsonNode.DeepEquals(c.Body!["attachments"], inline.Body!["attachments"]));
        var number = await OnlyTicketAsync(host);
        Assert.Contains(later, c => c.VisibleText.Contains($"He abierto el ticket {number}", StringComparison.Ordinal));
        Assert.Equal(1, await host.TicketCountAsync());

        var delivered = await host.InDatabaseAsync(db => db.Outbox.AsNoTracking().Include(o => o.Message).OrderBy(o => o.Id).ToListAsync());
        Assert.Equal((OutboxState.Sent, 2), (delivered[0].State, delivered[0].Attempts));
        Assert.All(delivered.Skip(1), o => Assert.Equal((OutboxState.Sent, 1), (o.State, o.Attempts)));
        Assert.Equal(delivered.Count, delivered.Select(o => o.Message.ExternalId).Distinct().Count(id => id is not null));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_replies_of_a_turn_handed_to_the_outbox_reach_the_user_in_order(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("The docking station does not detect my monitors", id: "1700000000505"))).StatusCode);
        var earlier = (await BotRepliesAsync(host)).Count;
        var before = host.Connector.Calls.Count;

        // The list of tickets is several replies (a header, a card per ticket). The first fails inline, and its first
        // retry fails again with a shorter wait: the replies after it are due by then and must not overtake it.
        const string unavailable = """{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}""";
        host.Connector.Script(
            new ScriptedResponse((int)HttpStatusCode.ServiceUnavailable, unavailable, RetryAfter),
            new ScriptedResponse((int)HttpStatusCode.ServiceUnavailable, unavailable, TimeSpan.FromSeconds(1)));

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("my tickets", id: "1700000000506"))).StatusCode);

        var replies = (await BotRepliesAsync(host)).Skip(earlier).ToList();
        Assert.True(replies.Count >= 2, $"the turn needs several replies to have an order; it had {replies.Count}");
        await Poll.UntilAsync(
            async () => (await BotRepliesAsync(host)).All(r => r.DeliveryState == DeliveryState.Sent),
            Timeout,
            () => "The replies were not delivered by the outbox.");

        // Each reply is sent as prepared, so what it says tells which it is; the call that took it is the last saying it.
        var rows = await host.InDatabaseAsync(db => db.Outbox.AsNoTracking().OrderBy(o => o.MessageId).ToListAsync());
        Assert.Equal(replies.Select(r => r.Id), rows.Select(o => o.MessageId));
        var texts = rows.Select(o => new ConnectorCall("", "", "", null, null, null, JsonNode.Parse(o.Payload!)!.AsObject(), default).VisibleText).ToList();
        Assert.Equal(texts.Count, texts.Distinct().Count());
        var calls = host.Connector.Calls.Skip(before).ToList();
        var delivered = texts.Select(text => calls.FindLastIndex(c => c.VisibleText == text)).ToList();
        Assert.All(delivered, at => Assert.True(at >= 0, "a reply never reached the Connector"));
        Assert.Equal(delivered.Order(), delivered);

        // Each sent once: the first after its two failures, the others at their first go from the outbox, which is their
        // only attempt (waiting behind the first counted none).
        Assert.Equal(replies.Count + 2, calls.Count);
        Assert.Equal((OutboxState.Sent, 3), (rows[0].State, rows[0].Attempts));
        Assert.All(rows.Skip(1), o => Assert.Equal((OutboxState.Sent, 1), (o.State, o.Attempts)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_welcome_the_connector_fails_is_delivered_later_once(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        host.Connector.Script(new ScriptedResponse((int)HttpStatusCode.BadGateway, """{"error":{"code":"BadGateway","message":"Upstream failed."}}""", RetryAfter));
        var install = TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", host.Connector.ServiceUrl);

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(install)).StatusCode);

        // No ticket and no conversation yet: the outbox row carries where the welcome goes.
        var inline = Assert.Single(host.Connector.Calls);
        Assert.Equal(DeliveryState.Queued, (await BotRepliesAsync(host)).Single().DeliveryState);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(install)).StatusCode);
        await Poll.UntilAsync(
            async () => (await BotRepliesAsync(host)).Single().DeliveryState == DeliveryState.Sent,
            Timeout,
            () => "The welcome was not delivered by the outbox.");
        var sends = host.Connector.Calls.Where(c => c.Operation == "Conversations_SendToConversation").ToList();
        Assert.Equal(2, sends.Count);
        Assert.Equal(inline.ConversationId, sends[1].ConversationId);
        Assert.True(JsonNode.DeepEquals(inline.Body!["attachments"], sends[1].Body!["attachments"]));
        Assert.Contains("Service Desk", sends[1].VisibleText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_reply_sent_inline_is_recorded_as_sent_with_no_outbox_row(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("My second screen stays black", id: "1700000000502"))).StatusCode);

        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Contains("I have opened ticket SD-", reply.VisibleText, StringComparison.Ordinal);
        var replies = await BotRepliesAsync(host);
        Assert.NotEmpty(replies);
        Assert.All(replies, r => Assert.Equal(DeliveryState.Sent, r.DeliveryState));
        Assert.Equal(replies.Count, host.Connector.Calls.Count(c => c.Operation == "Conversations_ReplyToActivity"));
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Outbox.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_reply_to_a_user_who_blocked_the_bot_fails_and_marks_them_unreachable_on_the_ticket(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        host.Connector.Script(ScriptedResponse.Blocked());

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("Laptop will not charge", id: "1700000000503"))).StatusCode);

        var replies = await BotRepliesAsync(host);
        Assert.NotEmpty(replies);
        Assert.All(replies, r => Assert.Equal(DeliveryState.Failed, r.DeliveryState));
        Assert.All(replies, r => Assert.Contains("MessageWritesBlocked", r.DeliveryError));
        var identity = await host.InDatabaseAsync(db => db.ContactIdentities.AsNoTracking().SingleAsync(i => i.Channel == Channel.Teams));
        Assert.True(identity.Unreachable);
        var number = await OnlyTicketAsync(host);
        var events = (await host.TicketAsync(number))["events"]!.AsArray().Select(e => (string?)e!["kind"]).ToList();
        Assert.Contains(nameof(TicketEventKind.ContactUnreachable), events);
        Assert.Contains(nameof(TicketEventKind.DeliveryFailed), events);
        Assert.All(await host.InDatabaseAsync(db => db.Outbox.AsNoTracking().ToListAsync()), o => Assert.Equal(OutboxState.Failed, o.State));

        // Refused for good: no job tries again.
        Assert.Single(host.Connector.Calls);
    }

    [Fact]
    public async Task A_reply_whose_answer_was_lost_is_unconfirmed_and_not_sent_again()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite);
        host.Connector.Script(ScriptedResponse.ResetMidResponse());

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(host.Message("VPN drops every hour", id: "1700000000504"))).StatusCode);

        // The Connector may have posted the first reply: sending it again could show it twice. Any reply after it
        // was never tried, so it goes out through the outbox.
        var replies = await BotRepliesAsync(host);
        Assert.Equal(DeliveryState.Unconfirmed, replies[0].DeliveryState);
        await Poll.UntilAsync(
            async () => (await BotRepliesAsync(host)).Skip(1).All(r => r.DeliveryState == DeliveryState.Sent),
            Timeout,
            () => "The replies after the unconfirmed one were not delivered.");
        var rows = await host.InDatabaseAsync(db => db.Outbox.AsNoTracking().OrderBy(o => o.Id).ToListAsync());
        Assert.Equal(OutboxState.Unconfirmed, rows[0].State);
        Assert.All(rows.Skip(1), o => Assert.Equal(OutboxState.Sent, o.State));
        Assert.Equal(replies.Count, host.Connector.Calls.Count);
        var number = await OnlyTicketAsync(host);
        Assert.Contains((await host.TicketAsync(number))["events"]!.AsArray(), e => (string?)e!["kind"] == nameof(TicketEventKind.DeliveryUnconfirmed));

        // The sweep that re-queues undelivered rows leaves it alone.
        await using var scope = host.Desk.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<OutboxRecovery>().RequeueAsync(CancellationToken.None));
    }

    /// <summary>A host whose Connector client hands a failure over at once and whose delayed jobs start within a second.</summary>
    private static Task<TeamsHost> StartAsync(DatabaseProvider provider) =>
        TeamsHost.StartAsync(
            provider,
            authentication: true,
            ("Channels:Teams:MaxRetryWait", "00:00:00"),
            ("Outbox:SweepInterval", "00:00:01"),
            ("Outbox:FirstRetryDelay", "00:00:01"));

    private static async Task<string> OnlyTicketAsync(TeamsHost host) =>
        (string)Assert.Single((await host.Api.GetFromJsonAsync<JsonObject>("/api/tickets"))!["items"]!.AsArray())!["number"]!;

    private static Task<List<Message>> BotRepliesAsync(TeamsHost host) =>
        host.InDatabaseAsync(db => db.Messages.AsNoTracking().Where(m => m.Kind == MessageKind.BotReply).OrderBy(m => m.Id).ToListAsync());
}
