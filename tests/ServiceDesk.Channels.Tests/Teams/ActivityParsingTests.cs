using System.Text.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Channels.Teams;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Teams;

public class ActivityParsingTests
{
    private static readonly string[] Activities =
    [
        "message-personal.json",
        "message-actionSubmit.json",
        "conversationUpdate-botAddedPersonal.json",
        "conversationUpdate-botAddedToTeam.json",
        "conversationUpdate-channelCreated.json",
        "invoke-adaptiveCard-action.json",
    ];

    public static TheoryData<string> ActivityFixtures() => new(Activities);

    [Theory]
    [MemberData(nameof(ActivityFixtures))]
    public void Every_published_activity_parses_with_its_addressing(string fixture)
    {
        var activity = Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", fixture)));

        Assert.False(string.IsNullOrEmpty(activity.Type));
        Assert.Equal("msteams", activity.ChannelId);
        Assert.StartsWith("https://smba.trafficmanager.net/", activity.ServiceUrl);
        Assert.False(string.IsNullOrEmpty(activity.Conversation?.Id));
        Assert.False(string.IsNullOrEmpty(activity.Recipient?.Id));
        Assert.NotNull(ConversationReference.From(activity));
    }

    [Fact]
    public void The_fixture_folder_holds_no_activity_the_tests_do_not_know()
    {
        // A fixture added later must be added to the theory above (or be a non-activity payload).
        var payloads = new[]
        {
            "createConversation-channelThread.json", "createConversation-personal.json", "createConversation-response.json",
            "error-403-MessageWritesBlocked.json", "invokeResponse-card.json", "invokeResponse-error.json", "invokeResponse-message.json",
        };
        var known = Activities.Concat(payloads).ToHashSet();
        var present = Directory.GetFiles(SharedFiles.Path("fixtures", "teams"), "*.json").Select(Path.GetFileName).ToHashSet();

        Assert.Subset(known, present!);
    }

    [Fact]
    public void A_personal_message_gives_text_locale_user_and_tenant()
    {
        var activity = Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", "message-personal.json")));

        Assert.Equal(ActivityTypes.Message, activity.Type);
        Assert.Equal("1485983408511", activity.Id);
        Assert.Equal("Hello Teams TestBot.Sending bold-italic rich text", activity.Text);
        Assert.Equal("en-US", activity.EffectiveLocale);
        Assert.Equal("7faf8ab2-3d56-4244-b585-20c8a42ed2b8", activity.From!.AadObjectId);
        Assert.Equal("72f988bf-86f1-41af-91ab-2d7cd011db47", activity.TenantId);
        Assert.Equal(new DateTimeOffset(2017, 2, 1, 21, 10, 7, 437, TimeSpan.Zero), activity.ParsedTimestamp);
        Assert.Equal("text/html", Assert.Single(activity.Attachments!).ContentType);
        Assert.Equal("clientInfo", Assert.Single(activity.Entities!).Type);
    }

    [Fact]
    public void Unknown_fields_and_unknown_types_are_accepted()
    {
        var activity = Parse("""
            {"type":"somethingNew","id":"1","futureField":{"nested":[1,2,3]},"channelId":"msteams",
             "conversation":{"id":"c","extra":true},"channelData":{"tenant":{"id":"t"},"unknown":"kept"},
             "entities":[{"type":"future","payload":{"x":1}}]}
            """);

        Assert.Equal("somethingNew", activity.Type);
        Assert.Equal("t", activity.TenantId);
        Assert.True(activity.ChannelData!.Other!.ContainsKey("unknown"));
        Assert.Equal("future", Assert.Single(activity.Entities!).Type);
    }

    [Fact]
    public void An_odd_timestamp_does_not_reject_the_activity()
    {
        var activity = Parse("""{"type":"message","timestamp":"yesterday-ish"}""");

        Assert.Null(activity.ParsedTimestamp);
    }

    [Fact]
    public void The_locale_falls_back_to_the_client_info_entity()
    {
        var activity = Parse("""{"type":"message","entities":[{"type":"clientInfo","locale":"es-ES"}]}""");

        Assert.Equal("es-ES", activity.EffectiveLocale);
    }

    [Fact]
    public void Action_submit_data_arrives_in_value()
    {
        var activity = Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", "message-actionSubmit.json")));

        Assert.Equal("close", activity.Value!.Value.GetProperty("action").GetString());
        Assert.Equal("1632474074231", activity.ReplyToId);
    }

    [Fact]
    public void A_conversation_reference_round_trips_through_its_json()
    {
        var activity = Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", "conversationUpdate-botAddedToTeam.json")));

        var reference = ConversationReference.Parse(ConversationReference.From(activity)!.ToJson())!;

        Assert.Equal("https://smba.trafficmanager.net/amer/", reference.ServiceUrl);
        Assert.Equal("19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2", reference.Conversation.Id);
        Assert.Equal("channel", reference.Conversation.ConversationType);
        Assert.Equal("b28fdbfd-2b78-4f93-b0f8-8881793f0f8f", reference.TenantId);
        Assert.Equal("28:608cacfd-1cea-40c9-b678-4b93e69bb72b", reference.Bot!.Id);
        Assert.Equal("eddfa9d4-346e-4cce-a18f-fa6261ad776b", reference.User!.AadObjectId);
        Assert.False(reference.IsPersonal);
        Assert.Null(ConversationReference.Parse("+34600111222"));
    }

    [Fact]
    public void Invoke_responses_serialise_in_the_published_shapes()
    {
        foreach (var (response, fixture) in new[]
        {
            (InvokeResponse.Message("Ticket INC-1 closed."), "invokeResponse-message.json"),
            (InvokeResponse.Error(400, "BadRequest", "Unknown verb"), "invokeResponse-error.json"),
        })
        {
            var expected = JsonNode.Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", fixture)));
            var actual = JsonNode.Parse(JsonSerializer.Serialize(response, TeamsJson.Default.InvokeResponse));
            Assert.True(JsonNode.DeepEquals(expected, actual), $"{fixture}: {actual}");
        }

        var card = JsonNode.Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", "invokeResponse-card.json")))!;
        var cardResponse = JsonNode.Parse(JsonSerializer.Serialize(InvokeResponse.Card(card["value"]!.AsObject().DeepClone().AsObject()), TeamsJson.Default.InvokeResponse));
        Assert.True(JsonNode.DeepEquals(card, cardResponse), cardResponse!.ToString());
    }

    [Fact]
    public void Malformed_json_is_refused_with_a_json_exception()
    {
        Assert.ThrowsAny<JsonException>(() => Parse("""{"type":"message","text":"""));
        Assert.ThrowsAny<JsonException>(() => Parse("""{"type":"message","from":"not an object"}"""));
    }

    private static Activity Parse(string json) => JsonSerializer.Deserialize(json, TeamsJson.Default.Activity)!;
}
