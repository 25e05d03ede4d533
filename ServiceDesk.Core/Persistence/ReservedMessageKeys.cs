using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Messages;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Keys drawn from the messages' sequence before the save (<see cref="PostgresKeys"/>), for the new messages that save
/// inserts. A key left over is a gap in the sequence, as a rolled-back insert leaves one.
/// </summary>
internal sealed class ReservedMessageKeys(long[] keys)
{
    private readonly long[] _keys = [.. keys.Order()];
    private int _given;

    /// <summary>
    /// Gives the reserved keys, in ascending order, to the new messages in the order they are named (the order their
    /// inserts would have drawn them): the message that came in before the acknowledgement that answers it. A message
    /// that has a key already, or one beyond the keys reserved, keeps drawing its key as it is inserted, after these.
    /// </summary>
    public void Give(ServiceDeskDbContext db, params ReadOnlySpan<Message?> messages)
    {
        foreach (var message in messages)
        {
            if (message is null || _given == _keys.Length)
            {
                continue;
            }

            var entry = db.Entry(message);
            if (entry.State == EntityState.Detached)
            {
                // Added to its ticket's Messages since the last change detection, which the save would run: tracked now
                // instead, so that it takes its key before the acknowledgement that answers it.
                entry.State = EntityState.Added;
            }

            var key = entry.Property(nameof(Message.Id));
            if (entry.State != EntityState.Added || !key.IsTemporary)
            {
                continue;
            }

            PermanentKey.Give(key, _keys[_given++]);
        }
    }
}
