using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Messages;

public enum RevisionOutcome
{
    Recorded,

    /// <summary>Already recorded (a redelivery, an edit to the same text, or one older than the last): nothing was written.</summary>
    Unchanged,

    /// <summary>The desk never received that message (or it is not one of the user's): nothing was written.</summary>
    UnknownMessage,
}

/// <summary>
/// A user edited or deleted a message they had sent (Teams lets them): the ticket's timeline records it.
/// Each edit is one event with who, when, the text before and the text after, so every version of the
/// message stays readable in order, not only the latest.
/// </summary>
public sealed class MessageRevisions(ServiceDeskDbContext db, WriteTransaction transaction, TimeProvider time)
{
    // Two quotes and their labels must fit the event's 1,000-character detail.
    private const int QuotedLength = 480;

    public Task<RevisionOutcome> RecordEditAsync(Channel channel, string externalId, string newText, DateTimeOffset? editedAt, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                var found = await FindAsync(channel, externalId, ct);
                if (found is null)
                {
                    return RevisionOutcome.UnknownMessage;
                }

                var (message, ticket) = found.Value;

                // A redelivered edit carries its original time: one not newer than the last edit on file is
                // already recorded (or superseded), and applying it would roll the message back.
                if (message.Body == newText || (editedAt is not null && message.EditedAt is { } last && editedAt <= last))
                {
                    return RevisionOutcome.Unchanged;
                }

                var now = time.GetUtcNow();
                var at = editedAt is { } sent && sent < now ? sent : now;
                var previous = message.Body;
                message.Body = newText;
                message.EditedAt = editedAt ?? now;
                ticket?.Record(TicketEventKind.MessageEdited, Actor(message), at, $"message {message.Id}; before: {Quote(previous)}; after: {Quote(newText)}");
                await db.SaveChangesAsync(ct);
                return RevisionOutcome.Recorded;
            },
            cancellationToken);

    /// <remarks>The text stays in the database for the audit trail; agents see the message marked deleted.</remarks>
    public Task<RevisionOutcome> RecordDeletionAsync(Channel channel, string externalId, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                var found = await FindAsync(channel, externalId, ct);
                if (found is null)
                {
                    return RevisionOutcome.UnknownMessage;
                }

                var (message, ticket) = found.Value;
                if (message.Deleted)
                {
                    return RevisionOutcome.Unchanged;
                }

                var now = time.GetUtcNow();
                message.Deleted = true;
                ticket?.Record(TicketEventKind.MessageDeleted, Actor(message), now, $"message {message.Id}");
                await db.SaveChangesAsync(ct);
                return RevisionOutcome.Recorded;
            },
            cancellationToken);

    private async Task<(Message Message, Ticket? Ticket)?> FindAsync(Channel channel, string externalId, CancellationToken ct)
    {
        // Only what users sent can be revised by them; the desk's own messages are not theirs to rewrite.
        var message = await db.Messages.FirstOrDefaultAsync(
            m => m.Channel == channel && m.ExternalId == externalId && m.Direction == MessageDirection.Inbound, ct);
        if (message is null)
        {
            return null;
        }

        var ticket = message.TicketId is { } ticketId ? await db.Tickets.FirstOrDefaultAsync(t => t.Id == ticketId, ct) : null;
        return (message, ticket);
    }

    private static string Actor(Message message) => message.AuthorContactId is { } id ? $"contact:{id}" : "system";

    private static string Quote(string text) => text.Length <= QuotedLength ? text : text[..(QuotedLength - 1)] + "…";
}
