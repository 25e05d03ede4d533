using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Outbox;

/// <summary>
/// Keeps a conversation's answers that went to the outbox in the order they were written. A chat turn's replies that
/// could not be sent inline become one row each, and each row has its own delivery job: run side by side, or one
/// retried after a second failure while the next went through, they would reach the user out of order. So an answer
/// goes out only when no earlier answer of its conversation is still waiting or being sent, and an answer that is
/// done (sent, failed or unconfirmed) hands over to the next one.
/// </summary>
/// <remarks>
/// Only rows that carry a channel's prepared activity (<see cref="OutboxMessage.Payload"/>: a bot's answer) in a
/// conversation take part; notifications about a ticket go out on their own, as before.
/// </remarks>
internal static class ReplyOrder
{
    public static bool Applies(OutboxMessage row) => row.Payload is not null && row.Message.ConversationId is not null;

    /// <summary>Whether an earlier answer of the row's conversation has still to be sent.</summary>
    public static Task<bool> MustWaitAsync(ServiceDeskDbContext db, OutboxMessage row, CancellationToken cancellationToken)
    {
        var conversationId = row.Message.ConversationId;
        return db.Outbox.AnyAsync(
            o => o.Payload != null
                && o.Message.ConversationId == conversationId
                && o.MessageId < row.MessageId
                && (o.State == OutboxState.Pending || o.State == OutboxState.Sending),
            cancellationToken);
    }

    /// <summary>The answer next in line after the row in its conversation, if it is waiting for a job; null otherwise.</summary>
    public static async Task<(long Id, DateTimeOffset NotBefore)?> NextAsync(ServiceDeskDbContext db, OutboxMessage row, CancellationToken cancellationToken)
    {
        var conversationId = row.Message.ConversationId;
        var next = await db.Outbox.AsNoTracking()
            .Where(o => o.Payload != null
                && o.Message.ConversationId == conversationId
                && o.MessageId > row.MessageId
                && (o.State == OutboxState.Pending || o.State == OutboxState.Sending))
            .OrderBy(o => o.MessageId)
            .Select(o => new { o.Id, o.State, o.NextAttemptAt })
            .FirstOrDefaultAsync(cancellationToken);

        // One being sent has a job already: when it waited for this row, it looks again once it has let go (see the dispatcher).
        return next is { State: OutboxState.Pending } ? (next.Id, next.NextAttemptAt) : null;
    }
}
