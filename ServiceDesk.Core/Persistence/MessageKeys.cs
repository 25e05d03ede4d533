using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using ServiceDesk.Core.Messages;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Gives new messages of the current write transaction their keys before the save, so that a row which names one (the
/// bot's dialog state names the message a report starts at) goes in the same save instead of a save of its own for the id.
/// </summary>
public static class MessageKeys
{
    /// <param name="messages">The added messages, in the order their keys must follow (a transcript's order).</param>
    /// <returns>False outside a transaction, or when one of them is not tracked as added yet (nothing was done): save for the keys instead.</returns>
    public static async Task<bool> AssignAsync(ServiceDeskDbContext db, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            return false;
        }

        // One pass over the tracked rows (it runs the change detection, which also finds a message added through a navigation).
        var added = db.ChangeTracker.Entries<Message>().Where(e => e.State == EntityState.Added && e.Property(m => m.Id).IsTemporary).ToList();
        var waiting = new List<EntityEntry<Message>>(added.Count);
        foreach (var message in messages)
        {
            if (added.Find(e => ReferenceEquals(e.Entity, message)) is { } entry)
            {
                waiting.Add(entry);
            }
            else if (message.Id == 0)
            {
                return false;
            }
        }

        if (db.Provider == DatabaseProvider.Sqlite)
        {
            // SQLite gives a message inserted without a key the next one, which is one given here if EF inserts it first:
            // every added message takes its key here, the ones named first, in their order.
            waiting.AddRange(added.Where(e => !waiting.Contains(e)));
            if (waiting.Count > 0)
            {
                var next = (await SqliteKeys.NextAsync<Message>(db, cancellationToken))!.Value;
                foreach (var entry in waiting)
                {
                    PermanentKey.Give(entry.Property(m => m.Id), next++);
                }
            }

            return true;
        }

        if (waiting.Count == 0)
        {
            return true;
        }

        // PostgreSQL: from the identity column's own sequence, as the insert would draw them, ascending in the order named;
        // the others keep drawing theirs then. The change detection ran above, and nothing has changed since.
        var reserved = await PostgresKeys.AssignAsync(db, waiting.Count, detectChanges: false, cancellationToken);
        reserved!.Give(db, [.. waiting.Select(e => e.Entity)]);
        return true;
    }
}
