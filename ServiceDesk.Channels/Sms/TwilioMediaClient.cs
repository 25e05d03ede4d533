using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Channels.Sms;

/// <summary>
/// Fetches one MMS media item. Twilio answers a media URL with a redirect to its CDN; redirects are followed here, one
/// by one, only to allowed hosts, so that neither the credentials nor the desk's own requests go anywhere else.
/// The primary handler must not follow redirects itself (see the host's registration).
/// </summary>
public sealed class TwilioMediaClient(HttpClient http, IOptions<TwilioOptions> twilio, IOptions<SmsOptions> sms)
{
    public const int MaxRedirects = 3;

    private readonly TwilioMediaHosts _hosts = new(sms.Value.MediaHosts);

    public TwilioMediaHosts Hosts => _hosts;

    /// <summary>The media's bytes, or why it was not taken. A network failure or a 5xx/429 answer throws (worth a retry).</summary>
    /// <exception cref="HttpRequestException">Twilio could not be reached or answered with a transient error.</exception>
    public async Task<MediaDownload> DownloadAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var current) || !_hosts.IsAllowed(current))
        {
            return MediaDownload.Refused($"{Describe(url)} is not a Twilio media host");
        }

        var origin = current;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);

            // The account's credentials go to the host Twilio gave in the webhook only; its CDN takes signed URLs.
            if (SameAuthority(current, origin))
            {
                var options = twilio.Value;
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (IsRedirect(response.StatusCode))
            {
                if (response.Headers.Location is not { } location)
                {
                    return MediaDownload.Refused($"{Describe(current)} redirected without a location");
                }

                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (!_hosts.IsAllowed(next))
                {
                    return MediaDownload.Refused($"{Describe(current)} redirected to {Describe(next)}, not a Twilio media host");
                }

                if (hop + 1 > MaxRedirects)
                {
                    return MediaDownload.Refused($"more than {MaxRedirects} redirects");
                }

                current = next;
                continue;
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                throw new HttpRequestException($"Twilio media {Describe(current)} answered {(int)response.StatusCode}", null, response.StatusCode);
            }

            if (!response.IsSuccessStatusCode)
            {
                return MediaDownload.Refused($"{Describe(current)} answered {(int)response.StatusCode}");
            }

            var max = sms.Value.MaxMediaBytes;
            if (response.Content.Headers.ContentLength is { } declared && declared > max)
            {
                return MediaDownload.TooLarge(declared);
            }

            var contentType = response.Content.Headers.ContentType?.ToString();
            return await ReadCappedAsync(response, max, cancellationToken) is { } bytes
                ? MediaDownload.Downloaded(bytes, contentType)
                : MediaDownload.TooLarge(null);
        }
    }

    private static async Task<byte[]?> ReadCappedAsync(HttpResponseMessage response, long max, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
        or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameAuthority(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && a.Host.Equals(b.Host, StringComparison.OrdinalIgnoreCase);

    /// <summary>Scheme, host and port only: a CDN URL's query carries a signature that has no place in a log.</summary>
    private static string Describe(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private static string Describe(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Describe(uri) : "a malformed URL";
}

/// <summary>What became of one media download.</summary>
/// <param name="Content">The bytes, when downloaded.</param>
/// <param name="ContentType">The type the host declared.</param>
/// <param name="Size">The size that made it too large, when known.</param>
/// <param name="Problem">Why it was refused (never a transient failure: those throw).</param>
public sealed record MediaDownload(byte[]? Content, string? ContentType, bool IsTooLarge, long? Size, string? Problem)
{
    public static MediaDownload Downloaded(byte[] content, string? contentType) => new(content, contentType, false, content.LongLength, null);

    public static MediaDownload TooLarge(long? size) => new(null, null, true, size, null);

    public static MediaDownload Refused(string problem) => new(null, null, false, null, problem);
}
