using System.Text.Json;

namespace ServiceDesk.Channels.Sms;

/// <summary>What an SMS conversation needs to be answered later: the desk number the person wrote to.</summary>
public sealed record SmsReplyHandle(string DeskNumber)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The handle stored on a conversation, or null when there is none or it is not an SMS handle.</summary>
    public static SmsReplyHandle? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SmsReplyHandle>(json, Json) is { DeskNumber.Length: > 0 } handle ? handle : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
