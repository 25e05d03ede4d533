using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace ServiceDesk.Channels.Sms;

/// <summary><c>Channels:Sms:Twilio:*</c>: the Twilio account. The SMS channel is off while <see cref="AccountSid"/> is empty.</summary>
public sealed partial class TwilioOptions : IValidatableObject
{
    public const string SectionName = "Channels:Sms:Twilio";

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>The desk's number in E.164, used when no Messaging Service is configured.</summary>
    public string? FromNumber { get; set; }

    /// <summary>A Messaging Service (sender pool, sticky sender); preferred over <see cref="FromNumber"/> when set.</summary>
    public string? MessagingServiceSid { get; set; }

    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    /// <summary>The URL Twilio sees for this app (behind a proxy), for signatures and the StatusCallback; the request's own when empty.</summary>
    public string? PublicBaseUrl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(AccountSid);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!AccountSidPattern().IsMatch(AccountSid!))
        {
            yield return Error("AccountSid", "must be 'AC' followed by 32 hexadecimal digits");
        }

        if (string.IsNullOrWhiteSpace(AuthToken))
        {
            yield return Error("AuthToken", "is required when AccountSid is set");
        }

        if (string.IsNullOrWhiteSpace(FromNumber) && string.IsNullOrWhiteSpace(MessagingServiceSid))
        {
            yield return Error("FromNumber", "or MessagingServiceSid is required when AccountSid is set");
        }

        if (!string.IsNullOrWhiteSpace(FromNumber) && !E164Pattern().IsMatch(FromNumber))
        {
            yield return Error("FromNumber", "must be an E.164 number such as +34600123456");
        }

        if (!string.IsNullOrWhiteSpace(MessagingServiceSid) && !MessagingServicePattern().IsMatch(MessagingServiceSid))
        {
            yield return Error("MessagingServiceSid", "must be 'MG' followed by 32 hexadecimal digits");
        }

        if (!IsHttpUrl(ApiBaseUrl))
        {
            yield return Error("ApiBaseUrl", "must be an absolute http(s) URL");
        }

        if (!string.IsNullOrWhiteSpace(PublicBaseUrl) && !IsHttpUrl(PublicBaseUrl))
        {
            yield return Error("PublicBaseUrl", "must be an absolute http(s) URL");
        }
    }

    private static ValidationResult Error(string key, string problem) =>
        new($"{SectionName}:{key} {problem}.", [key]);

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServicePattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164Pattern();
}
