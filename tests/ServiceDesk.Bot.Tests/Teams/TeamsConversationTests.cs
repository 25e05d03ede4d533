using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bot.Tests.Teams;

/// <summary>What the desk does with each kind of activity, and what it later sends on its own, through the real host.</summary>
[Collection(HostCollection.Name)]
public class TeamsConversationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_redelivered_message_creates_nothing_new_and_is_not_answered_twice(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var message = host.Message("Outlook keeps asking for my password", id: "1700000000001");

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(message)).StatusCode);
        await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(message)).StatusCode);

        Assert.Equal(1, await host.TicketCountAsync());
        Assert.Equal(1, await host.InDatabaseAsync(db => db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound)));
        Assert.Single(host.Connector.Calls);
    }

    [Fact]
    public async Task The_same_activity_id_in_two_conversations_is_two_messages()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var first = host.Message("Monitor flickers", id: "1700000000002");
        var second = host.Message("Keyboard broken", id: "1700000000002", user: "0b6f1c39-1111-4a4b-9b7e-000000000002");
        second["conversation"]!["id"] = "a:1another-personal-conversation";

        await host.PostAsync(first);
        await host.PostAsync(second);

        Assert.Equal(2, await host.TicketCountAsync());
    }

    [Fact]
    public async Task Every_published_activity_routes_to_its_handling()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var url = host.Connector.ServiceUrl;

        // A personal message: a ticket and a reply to that very activity.
        var personal = TestActivities.Fixture("message-personal.json", url);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(personal)).StatusCode);
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Equal("1485983408511", reply.ActivityId);
        Assert.Equal((string?)personal["conversation"]!["id"], reply.ConversationId);
        Assert.Equal("28:c9e8c047-2a74-40a2-b28a-b162d5f5327c", (string?)reply.Body!["from"]!["id"]);
        Assert.Equal(1, await host.TicketCountAsync());

        // Action.Submit data (this sample has no id: a content key stands in, so a redelivery is still one).
        var submit = TestActivities.Fixture("message-actionSubmit.json", url);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(submit)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(submit)).StatusCode);
        Assert.Equal(1, await host.InDatabaseAsync(db => db.Messages.CountAsync(m => m.ExternalId!.StartsWith("a:conv-id|sha256:"))));

        // The bot installed in a personal chat and in a team: a welcome in each conversation, in its language.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", url))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(TestActivities.Fixture("conversationUpdate-botAddedToTeam.json", url))).StatusCode);
        var welcomes = host.Connector.Calls.Where(c => c.Operation == "Conversations_SendToConversation" && c.ConversationId != "a:conv-id").ToList();
        Assert.Equal(["***", "19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"], welcomes.Select(c => c.ConversationId));
        Assert.All(welcomes, w => Assert.Contains("Service Desk", w.VisibleText));

        // A channel created in a team the bot is in: nothing to do, nothing said.
        var before = host.Connector.Calls.Count;
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(TestActivities.Fixture("conversationUpdate-channelCreated.json", url))).StatusCode);

        // Universal Actions: answered in the invoke response body.
        var invoke = await host.PostAsync(TestActivities.Fixture("invoke-adaptiveCard-action.json", url));
        Assert.Equal(HttpStatusCode.OK, invoke.StatusCode);
        var body = await invoke.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(200, (int)body!["statusCode"]!);
        Assert.Contains((string?)body["type"], new[] { "application/vnd.microsoft.card.adaptive", "application/vnd.microsoft.activity.message" });
        Assert.NotNull(body["value"]);

        // Typing and activity types from the future are accepted and ignored.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Activity("typing", url))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Activity("somethingNew", url))).StatusCode);
        Assert.Equal(before, host.Connector.Calls.Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_conversation_is_welcomed_once_across_redeliveries_repeats_and_restarts(DatabaseProvider provider)
    {
        string database;
        await using (var host = await TeamsHost.StartAsync(provider))
        {
            var install = TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", host.Connector.ServiceUrl);
            await host.PostAsync(install);
            await host.PostAsync(install);
            var repeated = TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", host.Connector.ServiceUrl);
            repeated["id"] = "f:repeated-install";
            await host.PostAsync(repeated);

            Assert.Single(host.Connector.Calls);
            var welcome = await host.InDatabaseAsync(db => db.Messages.SingleAsync());
            Assert.Equal((MessageDirection.Outbound, MessageKind.BotReply, DeliveryState.Sent), (welcome.Direction, welcome.Kind, welcome.DeliveryState));
            Assert.Contains("Service Desk", welcome.Body);
            database = host.Desk.ConnectionString;
        }

        await using var restarted = await TeamsHost.StartAsync(provider, database);
        var again = TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", restarted.Connector.ServiceUrl);
        Assert.Equal(HttpStatusCode.OK, (await restarted.PostAsync(again)).StatusCode);
        Assert.Empty(restarted.Connector.Calls);
    }

    [Fact]
    public async Task A_welcome_the_connector_refuses_is_recorded_as_failed()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        host.Connector.Script(ScriptedResponse.Blocked());

        await host.PostAsync(TestActivities.Fixture("conversationUpdate-botAddedPersonal.json", host.Connector.ServiceUrl));

        var welcome = await host.InDatabaseAsync(db => db.Messages.SingleAsync());
        Assert.Equal(DeliveryState.Failed, welcome.DeliveryState);
        Assert.NotNull(welcome.DeliveryError);
    }

    [Fact]
    public async Task An_invoke_without_an_action_is_answered_with_the_error_shape()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var invoke = TestActivities.Fixture("invoke-adaptiveCard-action.json", host.Connector.ServiceUrl);
        invoke["value"] = new JsonObject { ["action"] = new JsonObject { ["type"] = "Action.Execute" } };

        var response = await host.PostAsync(invoke);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(400, (int)body!["statusCode"]!);
        Assert.Equal("application/vnd.microsoft.error", (string?)body["type"]);
        Assert.Equal("BadRequest", (string?)body["value"]!["code"]);
        Assert.Equal(0, await host.TicketCountAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Ids_longer_than_the_desk_stores_are_refused_with_nothing_stored(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var longConversation = host.Message("Printer jammed", id: "1700000000200");
        longConversation["conversation"]!["id"] = "a:" + new string('c', 600);
        var longUser = host.Message("Printer jammed", id: "1700000000201", user: new string('u', 400));
        var longId = host.Message("Printer jammed", id: new string('9', 600));
        var longInvoke = TestActivities.Fixture("invoke-adaptiveCard-action.json", host.Connector.ServiceUrl);
        longInvoke["id"] = new string('i', 600);

        foreach (var (activity, field) in new[] { (longConversation, "conversation.id"), (longUser, "from.id"), (longId, "id"), (longInvoke, "id") })
        {
            var response = await host.PostAsync(activity);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Contains(field, (string?)problem!["title"]);
        }

        Assert.Equal(0, await host.InDatabaseAsync(db => db.Messages.CountAsync()));
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Contacts.CountAsync()));
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Conversations.CountAsync()));
        Assert.Empty(host.Connector.Calls);

        // A long display name is no id: shortened to what the desk keeps, and the message goes through.
        var longName = host.Message("Printer jammed", id: "1700000000202");
        longName["from"]!["name"] = new string('N', 300);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(longName)).StatusCode);
        Assert.Equal(200, await host.InDatabaseAsync(db => db.Contacts.Select(c => c.DisplayName.Length).SingleAsync()));
    }

    [Fact]
    public async Task A_body_above_the_activity_limit_is_a_413()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var huge = host.Message(new string('x', 1024 * 1024 + 1), id: "1700000000210");

        var response = await host.PostAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Messages.CountAsync()));
    }

    [Fact]
    public async Task An_invoke_the_desk_does_not_implement_is_a_501()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var invoke = TestActivities.Fixture("invoke-adaptiveCard-action.json", host.Connector.ServiceUrl);
        invoke["name"] = "composeExtension/query";

        var response = await host.PostAsync(invoke);

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
    }

    [Fact]
    public async Task A_channel_message_loses_the_bots_mention()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var message = host.Message("<at>Service Desk</at> the Wi-Fi on floor 3 is down");
        message["conversation"] = new JsonObject
        {
            ["isGroup"] = true,
            ["conversationType"] = "channel",
            ["id"] = "19:it-support@thread.tacv2;messageid=1700000000100",
        };
        message["entities"] = new JsonArray(new JsonObject
        {
            ["type"] = "mention",
            ["text"] = "<at>Service Desk</at>",
            ["mentioned"] = new JsonObject { ["id"] = TestActivities.BotId, ["name"] = "Service Desk" },
        });

        await host.PostAsync(message);

        var ticket = Assert.Single(await host.InDatabaseAsync(db => db.Tickets.Select(t => t.Title).ToListAsync()));
        Assert.Equal("the Wi-Fi on floor 3 is down", ticket);
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        Assert.Equal("19:it-support@thread.tacv2;messageid=1700000000100", reply.ConversationId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_people_in_one_channel_are_two_conversations_and_one_person_keeps_theirs_across_threads(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        const string Ana = "0b6f1c39-1111-4a4b-9b7e-00000000000a", Ben = "0b6f1c39-1111-4a4b-9b7e-00000000000b";

        await host.PostAsync(ChannelMessage(host, "The Wi-Fi on floor 3 is down", "1700000000301", Ana, thread: "1700000000301"));
        await host.PostAsync(ChannelMessage(host, "My laptop does not boot", "1700000000302", Ben, thread: "1700000000301"));
        await host.PostAsync(ChannelMessage(host, "help", "1700000000303", Ana, thread: "1700000000399"));

        Assert.Equal(2, await host.TicketCountAsync());
        var conversations = await host.InDatabaseAsync(db => db.Conversations.OrderBy(c => c.Id).Select(c => new { c.ExternalKey, c.ContactId }).ToListAsync());
        Assert.Equal(2, conversations.Count);
        Assert.NotEqual(conversations[0].ContactId, conversations[1].ContactId);
        Assert.All(conversations, c => Assert.StartsWith("19:it-support@thread.tacv2|", c.ExternalKey));
        var titles = await host.InDatabaseAsync(db => db.Tickets.OrderBy(t => t.Id).Select(t => t.Title).ToListAsync());
        Assert.Equal(["The Wi-Fi on floor 3 is down", "My laptop does not boot"], titles);

        // Ana's second thread is Ana's conversation still, answered in that thread.
        var answers = await host.InDatabaseAsync(db => db.Messages.Where(m => m.Direction == MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => m.ConversationId).ToListAsync());
        Assert.Equal(answers[0], answers[2]);
        Assert.NotEqual(answers[0], answers[1]);
        await host.Connector.WaitForAsync(c => c.ConversationId == "19:it-support@thread.tacv2;messageid=1700000000399", Timeout);
    }

    private static JsonObject ChannelMessage(TeamsHost host, string text, string id, string user, string thread)
    {
        var message = host.Message(text, id: id, user: user);
        message["conversation"] = new JsonObject
        {
            ["isGroup"] = true,
            ["conversationType"] = "channel",
            ["id"] = "19:it-support@thread.tacv2;messageid=" + thread,
        };
        return message;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_status_change_through_the_api_reaches_the_user_in_teams(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var number = await ReportAsync(host, "No sound in Teams calls", "es-ES");

        var patched = await host.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        var update = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_SendToConversation", Timeout);
        Assert.Equal("a:1personal-conversation", update.ConversationId);
        Assert.Equal("Bearer " + host.Authority.TokenFor(1), update.Authorization);
        Assert.Equal($"Estamos trabajando en el ticket {number} (\"No sound in Teams calls\").", (string?)update.Body!["text"]);
        Assert.Equal(BotFrameworkAuthority.TenantId, (string?)update.Body["conversation"]!["tenantId"]);
        var sent = await WaitForDeliveryAsync(host, number, MessageKind.StatusNotification, DeliveryState.Sent);
        Assert.Equal(DeliveryState.Sent.ToString(), (string?)sent["deliveryState"]);
    }

    [Fact]
    public async Task The_resolution_notice_is_a_card_to_confirm_reject_and_rate()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var number = await ReportAsync(host, "Cannot open the VPN client", "en-US");

        await host.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Resolved" });

        var notice = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_SendToConversation", Timeout);
        var card = notice.Body!["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string?)card["contentType"]);
        var actions = card["content"]!["body"]!.AsArray().Where(e => (string?)e!["type"] == "ActionSet").SelectMany(e => e!["actions"]!.AsArray()).ToList();
        Assert.Equal(["confirm", "reject", "csat", "csat", "csat", "csat", "csat"], actions.Select(a => (string?)a!["data"]!["action"]));
        Assert.All(actions, a => Assert.Equal(number, (string?)a!["data"]!["ticket"]));
        Assert.All(actions, a => Assert.Equal("Action.Execute", (string?)a!["type"]));
        Assert.Contains(number, (string?)notice.Body["summary"]);
    }

    [Fact]
    public async Task A_throttled_update_is_retried_after_retry_after_and_delivered()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var number = await ReportAsync(host, "Teams crashes on start", "en-US");
        host.Connector.Script(ScriptedResponse.TooManyRequests(TimeSpan.FromSeconds(1)));

        await host.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" });

        await WaitForDeliveryAsync(host, number, MessageKind.StatusNotification, DeliveryState.Sent);
        var sends = host.Connector.Calls.Where(c => c.Operation == "Conversations_SendToConversation").ToList();
        Assert.Equal(2, sends.Count);
        Assert.True(sends[1].ReceivedAt - sends[0].ReceivedAt >= TimeSpan.FromMilliseconds(950));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_user_who_blocked_the_bot_is_marked_unreachable_on_the_ticket(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var number = await ReportAsync(host, "Laptop battery swollen", "en-US");
        host.Connector.Script(ScriptedResponse.Blocked());

        await host.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" });

        var failed = await WaitForDeliveryAsync(host, number, MessageKind.StatusNotification, DeliveryState.Failed);
        Assert.Contains("MessageWritesBlocked", (string?)failed["deliveryError"]);
        var ticket = await host.TicketAsync(number);
        Assert.Contains(ticket["events"]!.AsArray(), e => (string?)e!["kind"] == nameof(TicketEventKind.ContactUnreachable));
        var identity = await host.InDatabaseAsync(db => db.ContactIdentities.SingleAsync(i => i.Channel == Channel.Teams));
        Assert.True(identity.Unreachable);
        Assert.Single(host.Connector.Calls, c => c.Operation == "Conversations_SendToConversation");

        // Writing again proves the user can be reached again.
        await host.PostAsync(host.Message("It is fine now, I unblocked you"));
        Assert.False((await host.InDatabaseAsync(db => db.ContactIdentities.AsNoTracking().SingleAsync(i => i.Channel == Channel.Teams))).Unreachable);
    }

    [Fact]
    public async Task Removing_the_app_makes_the_user_unreachable_until_it_is_installed_again()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        await ReportAsync(host, "Printer offline", "en-US");
        var update = host.Message("-");
        update.Remove("text");
        update["type"] = "installationUpdate";
        update["action"] = "remove";

        await host.PostAsync(update);
        Assert.True((await host.InDatabaseAsync(db => db.ContactIdentities.AsNoTracking().SingleAsync())).Unreachable);

        update["action"] = "add";
        update["id"] = "install-2";
        await host.PostAsync(update);
        Assert.False((await host.InDatabaseAsync(db => db.ContactIdentities.AsNoTracking().SingleAsync())).Unreachable);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Edits_and_deletions_are_recorded_on_the_ticket_timeline(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var number = await ReportAsync(host, "Excel freezes", "en-US", id: "1700000000200");

        var edit = host.Message("Excel freezes when I open the budget file", id: "1700000000200");
        edit["type"] = "messageUpdate";
        edit["channelData"] = new JsonObject { ["eventType"] = "editMessage", ["tenant"] = new JsonObject { ["id"] = BotFrameworkAuthority.TenantId } };
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(edit)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(edit)).StatusCode);

        var delete = host.Message(string.Empty, id: "1700000000200");
        delete.Remove("text");
        delete["type"] = "messageDelete";
        delete["channelData"] = new JsonObject { ["eventType"] = "softDeleteMessage" };
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(delete)).StatusCode);

        var ticket = await host.TicketAsync(number);
        var events = ticket["events"]!.AsArray();
        var edited = Assert.Single(events, e => (string?)e!["kind"] == nameof(TicketEventKind.MessageEdited));
        Assert.Contains("before: Excel freezes", (string?)edited!["detail"]);
        Assert.Single(events, e => (string?)e!["kind"] == nameof(TicketEventKind.MessageDeleted));
        var message = await host.InDatabaseAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Direction == MessageDirection.Inbound));
        Assert.Equal("Excel freezes when I open the budget file", message.Body);
        Assert.NotNull(message.EditedAt);
        Assert.True(message.Deleted);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Every_edited_version_stays_on_the_timeline_and_redelivered_edits_add_nothing(DatabaseProvider provider)
    {
        await using var host = await TeamsHost.StartAsync(provider);
        var number = await ReportAsync(host, "Printer jams", "en-US", id: "1700000000300");
        var contactId = await host.InDatabaseAsync(db => db.Contacts.Select(c => c.Id).SingleAsync());

        // Each edit carries the time Teams stamped on it: that is when the timeline says it happened.
        var first = DateTimeOffset.UtcNow;
        var toSecond = Edit(host, "Printer jams on floor 2", first);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(toSecond)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(toSecond)).StatusCode);
        var second = DateTimeOffset.UtcNow;
        var toThird = Edit(host, "Printer on floor 2 jams with A3 paper", second);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(toThird)).StatusCode);

        // Redeliveries after the latest edit, the older one included: nothing recorded, nothing rolled back.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(toThird)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(toSecond)).StatusCode);

        var events = (await host.TicketAsync(number))["events"]!.AsArray()
            .Where(e => (string?)e!["kind"] == nameof(TicketEventKind.MessageEdited))
            .ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal($"contact:{contactId}", (string?)e!["actor"]));
        Assert.Equal(first, events[0]!["occurredAt"]!.GetValue<DateTimeOffset>(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(second, events[1]!["occurredAt"]!.GetValue<DateTimeOffset>(), TimeSpan.FromMilliseconds(1));
        Assert.EndsWith("before: Printer jams; after: Printer jams on floor 2", (string?)events[0]!["detail"]);
        Assert.EndsWith("before: Printer jams on floor 2; after: Printer on floor 2 jams with A3 paper", (string?)events[1]!["detail"]);
        var message = await host.InDatabaseAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.Direction == MessageDirection.Inbound));
        Assert.Equal("Printer on floor 2 jams with A3 paper", message.Body);
        Assert.Equal(second, message.EditedAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    private static JsonObject Edit(TeamsHost host, string text, DateTimeOffset at)
    {
        var edit = host.Message(text, id: "1700000000300");
        edit["type"] = "messageUpdate";
        edit["timestamp"] = at.ToString("O");
        edit["channelData"] = new JsonObject { ["eventType"] = "editMessage", ["tenant"] = new JsonObject { ["id"] = BotFrameworkAuthority.TenantId } };
        return edit;
    }

    [Fact]
    public async Task An_edit_of_a_message_the_desk_never_got_changes_nothing()
    {
        await using var host = await TeamsHost.StartAsync(DatabaseProvider.Sqlite);
        var edit = host.Message("edited", id: "1600000000000");
        edit["type"] = "messageUpdate";

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(edit)).StatusCode);
        Assert.Equal(0, await host.InDatabaseAsync(db => db.Messages.CountAsync()));
    }

    private static async Task<string> ReportAsync(TeamsHost host, string text, string locale, string? id = null)
    {
        var response = await host.PostAsync(host.Message(text, id, locale));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await host.Connector.WaitForAsync(c => c.Operation == "Conversations_ReplyToActivity", Timeout);
        return System.Text.RegularExpressions.Regex.Match(reply.VisibleText, @"SD-\d+").Value;
    }

    private static async Task<JsonObject> WaitForDeliveryAsync(TeamsHost host, string number, MessageKind kind, DeliveryState state)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var ticket = await host.TicketAsync(number);
            var message = ticket["messages"]!.AsArray().FirstOrDefault(m => (string?)m!["kind"] == kind.ToString() && (string?)m["deliveryState"] == state.ToString());
            if (message is not null)
            {
                return message.AsObject();
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {kind} reached {state} on {number}: {ticket["messages"]}");
            await Task.Delay(100);
        }
    }

    private static JsonObject Activity(string type, string serviceUrl)
    {
        var activity = TestActivities.Message(serviceUrl, "x");
        activity["type"] = type;
        activity.Remove("text");
        return activity;
    }
}
