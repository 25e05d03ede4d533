using System.Text.Json.Nodes;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// The body the bot answers an <c>adaptiveCard/action</c> invoke with (Universal Actions): a refreshed card,
/// a message, or an error.
/// </summary>
public sealed class InvokeResponse
{
    public const string CardType = AdaptiveCards.ContentType;
    public const string MessageType = "application/vnd.microsoft.activity.message";
    public const string ErrorType = "application/vnd.microsoft.error";

    public int StatusCode { get; set; }

    public required string Type { get; set; }

    public JsonNode? Value { get; set; }

    public static InvokeResponse Card(JsonObject card) => new() { StatusCode = 200, Type = CardType, Value = card };

    public static InvokeResponse Message(string text) => new() { StatusCode = 200, Type = MessageType, Value = text };

    public static InvokeResponse Error(int statusCode, string code, string message) =>
        new() { StatusCode = statusCode, Type = ErrorType, Value = new JsonObject { ["code"] = code, ["message"] = message } };
}
