using System.Text.Json;

namespace ServiceDesk.Channels.Email;

/// <summary>
/// The e-mail conversation's reply handle: what an answer needs to continue the requester's thread —
/// the last Message-ID they sent, the thread's subject and Outlook's Thread-Index.
/// </summary>
public sealed record EmailThread(string? MessageId, string? Subject, string? ThreadIndex)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static EmailThread? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<EmailThread>(json, Json);
        }
        catch (JsonException)
        {
            return null; // a handle written by another channel or an older version: start a fresh thread
        }
    }
}
