using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Sms;

namespace ServiceDesk.Bot.Sms;

/// <summary>
/// Checks that a webhook request was signed by Twilio for the URL Twilio called. Without a configured
/// public base URL, the base of a validly signed request is remembered for the StatusCallback.
/// </summary>
public sealed class TwilioRequestValidator(IOptions<TwilioOptions> options, TwilioPublicBase publicBase)
{
    private readonly TwilioOptions _options = options.Value;

    public async Task<bool> IsValidAsync(HttpRequest request, IFormCollection form, CancellationToken cancellationToken)
    {
        if (!IsValid(request, form))
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(_options.PublicBaseUrl))
        {
            // Only Twilio could have signed this URL: it is where Twilio reaches the desk.
            await publicBase.RememberAsync(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase), cancellationToken);
        }

        return true;
    }

    public bool IsValid(HttpRequest request, IFormCollection form)
    {
        var parameters = new List<KeyValuePair<string, string>>(form.Count);
        foreach (var (name, values) in form)
        {
            foreach (var value in values)
            {
                parameters.Add(new(name, value ?? string.Empty));
            }
        }

        return TwilioSignature.IsValid(_options.AuthToken!, Signature(request), PublicUrl(request), parameters);
    }

    /// <summary>A JSON-bodied webhook: the body's hash travels in the URL (<c>bodySHA256</c>), which is what is signed.</summary>
    public bool IsValidJson(HttpRequest request, ReadOnlySpan<byte> body) =>
        TwilioSignature.IsValidJson(_options.AuthToken!, Signature(request), PublicUrl(request), body);

    /// <summary>
    /// The URL Twilio requested: behind a proxy the configured public base plus the path and query as
    /// received; otherwise the request's own URL.
    /// </summary>
    public string PublicUrl(HttpRequest request)
    {
        var pathAndQuery = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        return string.IsNullOrWhiteSpace(_options.PublicBaseUrl)
            ? UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, request.QueryString)
            : _options.PublicBaseUrl.TrimEnd('/') + pathAndQuery;
    }

    private static string? Signature(HttpRequest request) =>
        request.Headers.TryGetValue(TwilioSignature.HeaderName, out var values) ? values.ToString() : null;
}
