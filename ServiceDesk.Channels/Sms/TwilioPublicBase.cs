using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Webhooks;

namespace ServiceDesk.Channels.Sms;

/// <summary>
/// The base URL Twilio reaches the desk at, for the StatusCallback: <c>Channels:Sms:Twilio:PublicBaseUrl</c>
/// when set, otherwise the one of the last webhook whose signature proved Twilio sent it (the request's own,
/// as CONTRACT.md says). That one is kept in the database, so every instance and the next start know it.
/// </summary>
public sealed partial class TwilioPublicBase(IServiceScopeFactory scopes, IOptions<TwilioOptions> options, TimeProvider time, ILogger<TwilioPublicBase> logger)
{
    private string? _lastStored;

    /// <summary>Records the base URL of a validly signed webhook; writes only when it differs from what this instance stored last.</summary>
    public async Task RememberAsync(string baseUrl, CancellationToken cancellationToken)
    {
        var url = baseUrl.TrimEnd('/');
        if (!string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl) || url == Volatile.Read(ref _lastStored))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        var changed = await scope.ServiceProvider.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                // Two instances seeing their first webhook together: the loser of the insert retries and updates.
                var row = await db.ObservedBaseUrls.SingleOrDefaultAsync(u => u.Channel == Channel.Sms, ct);
                if (row?.Url == url)
                {
                    return false;
                }

                if (row is null)
                {
                    db.ObservedBaseUrls.Add(new ObservedBaseUrl { Channel = Channel.Sms, Url = url, SeenAt = time.GetUtcNow() });
                }
                else
                {
                    row.Url = url;
                    row.SeenAt = time.GetUtcNow();
                }

                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        Volatile.Write(ref _lastStored, url);
        if (changed)
        {
            LogLearned(url);
        }
    }

    /// <summary>The configured public base URL, else the last one Twilio used; null while neither is known.</summary>
    public async Task<string?> GetAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl))
        {
            return options.Value.PublicBaseUrl.TrimEnd('/');
        }

        // Read each time: another instance may have learned a newer one, and a send costs more queries than this.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        return await db.ObservedBaseUrls.AsNoTracking().Where(u => u.Channel == Channel.Sms).Select(u => u.Url).SingleOrDefaultAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Twilio reaches the desk at {BaseUrl} (from a signed webhook); StatusCallback URLs use it while Channels:Sms:Twilio:PublicBaseUrl is empty")]
    private partial void LogLearned(string baseUrl);
}
