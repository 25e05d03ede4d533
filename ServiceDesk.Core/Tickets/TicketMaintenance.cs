using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Tickets;

/// <summary>Periodic work on tickets: close resolved tickets nobody answered (SLA warnings and breaches: <see cref="Sla.SlaWatch"/>).</summary>
public sealed class TicketMaintenance(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    IOptions<DeskOptions> desk,
    TimeProvider time)
{
    private const int BatchSize = 200;

    /// <returns>How many tickets were closed.</returns>
    public async Task<int> AutoCloseResolvedAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - desk.Value.AutoCloseAfter;
        var queued = new List<OutboxMessage>();
        var closed = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var stale = await db.Tickets
                    .Include(t => t.Requester).ThenInclude(c => c.Identities)
                    .Where(t => t.Status == TicketStatus.Resolved && t.ResolvedAt < cutoff)
                    .OrderBy(t => t.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                foreach (var ticket in stale)
                {
                    ticket.AutoClose(time.GetUtcNow());
                    if (await notifier.StatusChangedAsync(ticket, ct) is { } notice)
                    {
                        queued.Add(notice);
                    }
                }

                await db.SaveChangesAsync(ct);
                return stale.Count;
            },
            cancellationToken);
        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        return closed;
    }
}
