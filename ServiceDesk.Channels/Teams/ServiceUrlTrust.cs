using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Decides where the desk may send its Connector token. A serviceUrl is trusted once it arrived on an
/// authenticated activity (Bot Framework signed it into the token), or when its host is on the configured
/// allow-list. Anything else could be an attacker's URL planted in a stored conversation reference.
/// </summary>
/// <remarks>
/// Trust is persisted, so other instances and the next start share it; each instance keeps what it has
/// seen in memory, so the hot path (a reply in the request that proved the URL) never queries.
/// </remarks>
public sealed partial class ServiceUrlTrust(IServiceScopeFactory scopes, IOptions<TeamsOptions> options, TimeProvider time, ILogger<ServiceUrlTrust> logger)
{
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);

    /// <summary>Records a serviceUrl that came on an activity whose token was valid.</summary>
    public async Task RememberAsync(string serviceUrl, CancellationToken cancellationToken)
    {
        var url = Normalize(serviceUrl);
        if (url is null || _known.ContainsKey(url))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        if (!await db.TrustedServiceUrls.AnyAsync(u => u.Channel == Channel.Teams && u.Url == url, cancellationToken))
        {
            var transaction = scope.ServiceProvider.GetRequiredService<WriteTransaction>();
            await transaction.RunAsync(
                async ct =>
                {
                    // A concurrent first sighting on another instance loses on the unique index; the retry finds it.
                    if (!await db.TrustedServiceUrls.AnyAsync(u => u.Channel == Channel.Teams && u.Url == url, ct))
                    {
                        db.TrustedServiceUrls.Add(new TrustedServiceUrl { Channel = Channel.Teams, Url = url, FirstSeenAt = time.GetUtcNow() });
                        await db.SaveChangesAsync(ct);
                        LogTrusted(url);
                    }

                    return 0;
                },
                cancellationToken);
        }

        _known[url] = true;
    }

    public async Task<bool> IsTrustedAsync(string serviceUrl, CancellationToken cancellationToken)
    {
        var url = Normalize(serviceUrl);
        if (url is null)
        {
            return false;
        }

        if (_known.ContainsKey(url) || IsAllowListed(new Uri(url).Host))
        {
            return true;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        if (await db.TrustedServiceUrls.AnyAsync(u => u.Channel == Channel.Teams && u.Url == url, cancellationToken))
        {
            _known[url] = true;
            return true;
        }

        return false;
    }

    private bool IsAllowListed(string host) =>
        options.Value.AllowedServiceUrlHosts.Any(allowed => allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase));

    /// <summary>Scheme and host lower-cased, path kept, a trailing slash; null for anything but an absolute http(s) URL.</summary>
    public static string? Normalize(string? serviceUrl)
    {
        if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return null;
        }

        var text = uri.GetLeftPart(UriPartial.Path);
        return text.EndsWith('/') ? text : text + "/";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trusting Bot Connector endpoint {ServiceUrl} (seen on an authenticated activity)")]
    private partial void LogTrusted(string serviceUrl);
}
