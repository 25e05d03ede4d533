using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Tickets;

/// <summary>Periodic work on tickets: flag SLA breaches, close resolved tickets nobody answered.</summary>
public sealed class TicketMaintenance(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    IOptions<DeskOptions> desk,
    TimeProvider time)
{
    private const int BatchSize = 200;

    /// <returns>How many tickets were newly flagged.</returns>
    public async Task<int> FlagBreachesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await transaction.RunAsync(
            async ct =>
            {
                var due = await db.Tickets
                    .Where(t => t.Status != TicketStatus.Resolved && t.Status != TicketStatus.Closed)
                    .Where(t => (!t.FirstResponseBreached && t.FirstRespondedAt == null && t.FirstResponseDueAt < now)
                        || (!t.ResolutionBreached && t.Status != TicketStatus.Pending && t.ResolutionDueAt < now))
                    .OrderBy(t => t.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                var flagged = due.Count(t => t.CheckBreaches(now).Count > 0);
                await db.SaveChangesAsync(ct);
                return flagged;
            },
            cancellationToken);
    }

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
