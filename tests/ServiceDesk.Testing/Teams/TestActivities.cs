using System.Text.Json.Nodes;

namespace ServiceDesk.Testing.Teams;

/// <summary>Activities as a channel sends them, from the published fixtures or built to measure.</summary>
public static class TestActivities
{
    public const string BotId = "28:6c1b3f2a-0d3e-4a4b-9b7e-5f3c2a1d0e9f";

    /// <summary>A fixture from <c>../shared/fixtures/teams</c>, optionally pointed at another serviceUrl.</summary>
    public static JsonObject Fixture(string name, string? serviceUrl = null)
    {
        var activity = (JsonObject)JsonNode.Parse(File.ReadAllText(SharedFiles.Path("fixtures", "teams", name)))!;
        if (serviceUrl is not null)
        {
            activity["serviceUrl"] = serviceUrl;
        }

        return activity;
    }

    /// <summary>A personal-chat message from a Teams user, shaped like the published sample.</summary>
    public static JsonObject Message(
        string serviceUrl,
        string text,
        string? id = null,
        string userAadId = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8",
        string userName = "Megan Bowen",
        string conversationId = "a:1personal-conversation",
        string locale = "en-US",
        string channelId = "msteams") => new()
        {
            ["type"] = "message",
            ["id"] = id ?? Guid.NewGuid().ToString("N"),
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            ["serviceUrl"] = serviceUrl,
            ["channelId"] = channelId,
            ["from"] = new JsonObject { ["id"] = "29:" + userAadId, ["name"] = userName, ["aadObjectId"] = userAadId },
            ["conversation"] = new JsonObject { ["conversationType"] = "personal", ["tenantId"] = BotFrameworkAuthority.TenantId, ["id"] = conversationId },
            ["recipient"] = new JsonObject { ["id"] = BotId, ["name"] = "Service Desk" },
            ["textFormat"] = "plain",
            ["text"] = text,
            ["locale"] = locale,
            ["channelData"] = new JsonObject { ["tenant"] = new JsonObject { ["id"] = BotFrameworkAuthority.TenantId } },
        };
}
