using System.Text.Json.Nodes;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Tests.Teams;

public class AdaptiveCardTests
{
    private static readonly BotReply Ticket = new()
    {
        Title = "Ticket SD-12",
        Text = "Your ticket is open.",
        Facts = [new BotFact("Priority", "P3"), new BotFact("Target", "24 Nov 2026 18:00")],
        Inputs = [new BotInput("details", "Anything to add?", Multiline: true, Placeholder: "Details")],
        Choices =
        [
            BotChoice.For("Add information", ChatActions.AddInformation, (ChatActions.TicketKey, "SD-12")),
            BotChoice.For("Talk to a person", ChatActions.TalkToAgent),
        ],
    };

    [Fact]
    public void A_reply_renders_as_an_adaptive_card_1_5_with_every_part()
    {
        var card = AdaptiveCards.Render(Ticket, CardActionStyle.Submit);

        Assert.Equal("AdaptiveCard", (string?)card["type"]);
        Assert.Equal("1.5", (string?)card["version"]);
        var body = card["body"]!.AsArray();
        Assert.Equal(["TextBlock", "TextBlock", "FactSet", "Input.Text", "ActionSet"], body.Select(e => (string?)e!["type"]));
        Assert.Equal("Ticket SD-12", (string?)body[0]!["text"]);
        Assert.Equal("Bolder", (string?)body[0]!["weight"]);
        Assert.True((bool)body[1]!["wrap"]!);
        Assert.Equal("P3", (string?)body[2]!["facts"]![0]!["value"]);
        Assert.Equal("details", (string?)body[3]!["id"]);
        Assert.True((bool)body[3]!["isMultiline"]!);

        var actions = body[4]!["actions"]!.AsArray();
        Assert.Equal(2, actions.Count);
        Assert.All(actions, a => Assert.Equal("Action.Submit", (string?)a!["type"]));
        Assert.Equal("addinfo", (string?)actions[0]!["data"]!["action"]);
        Assert.Equal("SD-12", (string?)actions[0]!["data"]!["ticket"]);
    }

    [Fact]
    public void Universal_actions_carry_the_verb_and_fall_back_to_submit_with_the_same_data()
    {
        var card = AdaptiveCards.Render(Ticket, CardActionStyle.Execute);
        var action = card["body"]!.AsArray().Last()!["actions"]![0]!;

        Assert.Equal("Action.Execute", (string?)action["type"]);
        Assert.Equal("addinfo", (string?)action["verb"]);
        Assert.Equal("SD-12", (string?)action["data"]!["ticket"]);
        Assert.Equal("Action.Submit", (string?)action["fallback"]!["type"]);
        Assert.True(JsonNode.DeepEquals(action["data"], action["fallback"]!["data"]));
    }

    [Fact]
    public void The_plain_text_fallback_numbers_the_choices()
    {
        Assert.Equal(
            "Your ticket is open.\n\nPriority: P3\nTarget: 24 Nov 2026 18:00\n\n1) Add information\n2) Talk to a person",
            Ticket.ToPlainText());
        Assert.Equal(Ticket.ToPlainText(), (string?)AdaptiveCards.Render(Ticket, CardActionStyle.Submit)["fallbackText"]);
    }

    [Fact]
    public void Words_only_go_out_as_a_text_message_and_anything_richer_as_a_card_with_a_summary()
    {
        var plain = TeamsActivities.FromReply(new BotReply { Text = "Hello" }, CardActionStyle.Execute);
        Assert.Equal("Hello", plain.Text);
        Assert.Null(plain.Attachments);

        var rich = TeamsActivities.FromReply(Ticket, CardActionStyle.Execute);
        Assert.Null(rich.Text);
        Assert.Equal(Ticket.ToPlainText(), rich.Summary);
        Assert.Equal("application/vnd.microsoft.card.adaptive", Assert.Single(rich.Attachments!).ContentType);
    }

    [Theory]
    [InlineData("en", "Ticket SD-7 is resolved", "Yes, it is solved")]
    [InlineData("es", "El ticket SD-7 está resuelto", "Sí, está resuelto")]
    public void The_resolution_notice_asks_to_confirm_or_reject_and_to_rate_one_to_five(string language, string title, string confirm)
    {
        var message = new OutboundMessage(Guid.NewGuid(), 1, 7, "SD-7", "aad", null, "Resolved.", MessageKind.ResolutionNotification, language, null, []);

        var card = (JsonObject)TeamsActivities.FromNotification(message, CardActionStyle.Execute).Attachments![0].Content!;
        var body = card["body"]!.AsArray();
        Assert.Equal(title, (string?)body[0]!["text"]);

        var rows = body.Where(e => (string?)e!["type"] == "ActionSet").Select(e => e!["actions"]!.AsArray()).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(confirm, (string?)rows[0][0]!["title"]);
        Assert.Equal(["confirm", "reject"], rows[0].Select(a => (string?)a!["data"]!["action"]));
        Assert.All(rows[0], a => Assert.Equal("SD-7", (string?)a!["data"]!["ticket"]));
        Assert.Equal(["1", "2", "3", "4", "5"], rows[1].Select(a => (string?)a!["data"]!["rating"]));
        Assert.All(rows[1], a => Assert.Equal("csat", (string?)a!["data"]!["action"]));
        Assert.All(rows[1], a => Assert.Equal("SD-7", (string?)a!["data"]!["ticket"]));
    }

    [Fact]
    public void Other_notifications_are_sent_as_written()
    {
        var message = new OutboundMessage(Guid.NewGuid(), 1, 7, "SD-7", "aad", null, "Ana (Desk) on SD-7:\n\n*not* markdown", MessageKind.AgentReply, "en", null, []);

        var activity = TeamsActivities.FromNotification(message, CardActionStyle.Execute);

        Assert.Equal("Ana (Desk) on SD-7:\n\n*not* markdown", activity.Text);
        Assert.Equal("plain", activity.TextFormat);
    }

    [Theory]
    [InlineData("a:1abc", "1485983408511", "a:1abc|1485983408511")]
    [InlineData("19:x@thread.tacv2;messageid=1632", "1633", "19:x@thread.tacv2|1633")]
    public void External_ids_are_scoped_by_conversation_without_the_thread_suffix(string conversation, string activity, string expected) =>
        Assert.Equal(expected, TeamsActivities.ExternalId(conversation, activity));
}
