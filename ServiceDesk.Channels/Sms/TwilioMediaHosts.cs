namespace ServiceDesk.Channels.Sms;

/// <summary>
/// The hosts MMS media may come from. A media URL is fetched with the account's credentials, so a URL (or a redirect)
/// elsewhere would hand them, or the desk's network position, to whoever wrote the webhook's fields.
/// </summary>
public sealed class TwilioMediaHosts
{
    /// <summary>Twilio serves media from its API host and redirects to its CDN.</summary>
    public static readonly IReadOnlyList<string> Default = ["api.twilio.com", "media.twiliocdn.com", "*.twilio.com", "*.twiliocdn.com"];

    private readonly List<string> _exactHosts = [];
    private readonly List<string> _hostSuffixes = [];
    private readonly List<Uri> _origins = [];

    public TwilioMediaHosts(IEnumerable<string>? entries)
    {
        var list = entries?.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToList();
        foreach (var entry in list is { Count: > 0 } ? list : Default)
        {
            if (entry.Contains("://", StringComparison.Ordinal))
            {
                _origins.Add(Uri.TryCreate(entry, UriKind.Absolute, out var origin)
                    ? origin
                    : throw new ArgumentException($"'{entry}' is not an absolute URL.", nameof(entries)));
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                _hostSuffixes.Add(entry[1..]);
            }
            else
            {
                _exactHosts.Add(entry);
            }
        }
    }

    public bool IsAllowed(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsAllowed(uri);

    public bool IsAllowed(Uri uri)
    {
        if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        if (_origins.Any(o => o.Scheme == uri.Scheme && o.Port == uri.Port && o.Host.Equals(uri.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return uri.Scheme == Uri.UriSchemeHttps
            && (_exactHosts.Any(h => h.Equals(uri.Host, StringComparison.OrdinalIgnoreCase))
                || _hostSuffixes.Any(s => uri.Host.EndsWith(s, StringComparison.OrdinalIgnoreCase)));
    }
}
