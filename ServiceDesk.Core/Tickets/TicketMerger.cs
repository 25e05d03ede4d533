using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Tickets;

/// <summary>
/// Merges a duplicate ticket into the one that carries on: the duplicate's messages move over, its
/// conversations follow, it is closed with a pointer to the survivor, and its requester is told.
/// Later messages that name the duplicate land on the survivor (intake follows the pointer).
/// </summary>
public sealed class TicketMerger(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    IDeskEvents events,
    TicketNumber numbers,
    TimeProvider time)
{
    /// <returns>False when either ticket does not exist.</returns>
    /// <exception cref="DomainRuleException">Merging into itself, an already merged duplicate, or a closed survivor.</exception>
    public async Task<bool> MergeAsync(long duplicateId, long survivorId, string actor, CancellationToken cancellationToken)
    {
        var queued = new List<OutboxMessage>();
        var merged = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var duplicate = await db.Tickets.Include(t => t.Requester).ThenInclude(c => c.Identities).FirstOrDefaultAsync(t => t.Id == duplicateId, ct);
                var survivor = await db.Tickets.FirstOrDefaultAsync(t => t.Id == survivorId, ct);
                if (duplicate is null || survivor is null)
                {
                    return false;
                }

                var now = time.GetUtcNow();
                duplicate.MergeInto(survivor, numbers.Format(duplicate.Id), numbers.Format(survivor.Id), actor, now);

                var messages = await db.Messages.Where(m => m.TicketId == duplicate.Id).ToListAsync(ct);
                foreach (var message in messages)
                {
                    message.TicketId = survivor.Id;
                }

                var conversations = await db.Conversations.Where(c => c.CurrentTicketId == duplicate.Id).ToListAsync(ct);
                foreach (var conversation in conversations)
                {
                    conversation.CurrentTicketId = survivor.Id;
                }

                // The notice stays on the duplicate: it is about it, and its requester may not be the survivor's.
                if (await notifier.MergedAsync(duplicate, survivor.Id, ct) is { } notice)
                {
                    queued.Add(notice);
                }

                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);

        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        if (merged)
        {
            await events.TicketChangedAsync(duplicateId, cancellationToken);
            await events.TicketChangedAsync(survivorId, cancellationToken);
        }

        return merged;
    }
}
