using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Outbox;

/// <summary>
/// Hands undelivered rows to the job system again: at start-up (in-memory job storage forgets
/// everything on restart) and periodically (a job lost between commit and enqueue, a retry that is due).
/// Scheduling a row twice is harmless: only one job can claim it.
/// </summary>
public sealed partial class OutboxRecovery(
    ServiceDeskDbContext db,
    IOutboxScheduler scheduler,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxRecovery> logger)
{
    public async Task<int> RequeueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var staleClaim = now - options.Value.ClaimTimeout;
        var rows = await db.Outbox.AsNoTracking()
            .Where(o => (o.State == OutboxState.Pending) || (o.State == OutboxState.Sending && o.ClaimedAt < staleClaim))
            .OrderBy(o => o.Id)
            .Select(o => new { o.Id, o.State, o.NextAttemptAt })
            .ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            scheduler.Schedule(row.Id, row.State == OutboxState.Pending && row.NextAttemptAt > now ? row.NextAttemptAt : null);
        }

        if (rows.Count > 0)
        {
            LogRequeued(rows.Count);
        }

        return rows.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-enqueued {Count} undelivered outbox rows")]
    private partial void LogRequeued(int count);
}
