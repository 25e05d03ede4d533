using System.Globalization;
using ServiceDesk.Core.Messages;

namespace ServiceDesk.Channels.Sms;

/// <summary>One inbound SMS/MMS as Twilio's messaging webhook describes it.</summary>
public sealed record TwilioInboundSms
{
    private const int MaxMedia = 10;

    public required string MessageSid { get; init; }

    public required string From { get; init; }

    /// <summary>The desk number the person wrote to.</summary>
    public required string To { get; init; }

    public string Body { get; init; } = string.Empty;

    public string? FromCountry { get; init; }

    public string? OptOutType { get; init; }

    public IReadOnlyList<TwilioMedia> Media { get; init; } = [];

    /// <summary>Reads the webhook's form fields; null with a reason when a required one is missing or malformed.</summary>
    public static TwilioInboundSms? Parse(Func<string, string?> field, out string? error)
    {
        var sid = field("MessageSid") ?? field("SmsMessageSid") ?? field("SmsSid");
        var from = field("From")?.Trim();
        var to = field("To")?.Trim();
        error = sid is null || !TwilioSid.IsValid(sid) ? "MessageSid is missing or malformed"
            : string.IsNullOrEmpty(from) ? "From is missing"
            : string.IsNullOrEmpty(to) ? "To is missing"
            : null;
        if (error is not null)
        {
            return null;
        }

        var media = new List<TwilioMedia>();
        if (int.TryParse(field("NumMedia"), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            for (var i = 0; i < Math.Min(count, MaxMedia); i++)
            {
                if (field($"MediaUrl{i}") is { Length: > 0 } url)
                {
                    media.Add(new TwilioMedia(url, field($"MediaContentType{i}") ?? "application/octet-stream"));
                }
            }
        }

        return new TwilioInboundSms
        {
            MessageSid = sid!,
            From = from!,
            To = to!,
            Body = field("Body") ?? string.Empty,
            FromCountry = field("FromCountry"),
            OptOutType = field("OptOutType"),
            Media = media,
        };
    }

    /// <summary>The phone pair: one conversation per person and desk number.</summary>
    public string ConversationKey => $"{From}|{To}";

    /// <summary>A locale guessed from the sender's country, for the language of a first-time sender.</summary>
    public string? Locale => FromCountry?.Trim().ToUpperInvariant() switch
    {
        "ES" or "MX" or "AR" or "CO" or "CL" or "PE" or "VE" or "EC" or "GT" or "CU" or "BO" or "DO" or "HN" or "PY" or "SV" or "NI" or "CR" or "PA" or "UY" => $"es-{FromCountry!.Trim().ToUpperInvariant()}",
        "US" or "GB" or "IE" or "CA" or "AU" or "NZ" => $"en-{FromCountry!.Trim().ToUpperInvariant()}",
        _ => null,
    };
}

/// <summary>A media item of an MMS: where Twilio keeps it and its type.</summary>
public sealed record TwilioMedia(string Url, string ContentType)
{
    /// <summary>The attachment recorded on the message: the media SID as its name, the size unknown until fetched.</summary>
    public AttachmentInfo ToAttachment()
    {
        var name = Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.Segments[^1].Trim('/') : "media";
        return new AttachmentInfo($"{name}{Extension(ContentType)}", ContentType, 0, Url);
    }

    private static string Extension(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant() switch
    {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/heic" => ".heic",
        "video/mp4" => ".mp4",
        "video/3gpp" => ".3gp",
        "audio/mpeg" => ".mp3",
        "audio/amr" => ".amr",
        "audio/ogg" => ".ogg",
        "application/pdf" => ".pdf",
        "text/vcard" or "text/x-vcard" => ".vcf",
        "text/plain" => ".txt",
        _ => string.Empty,
    };
}

/// <summary>Twilio's resource ids: two letters and 32 hex digits.</summary>
public static class TwilioSid
{
    public static bool IsValid(string sid) =>
        sid.Length == 34 && char.IsAsciiLetterUpper(sid[0]) && char.IsAsciiLetterUpper(sid[1]) && sid.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF") is false;
}
