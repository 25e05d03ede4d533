using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Channels.Email.Receiving;

/// <summary>
/// The desk's sent mail, to tell a reply to it from a forged claim: anybody can write
/// <c>In-Reply-To: &lt;sd-12.m1.x@desk&gt;</c>, but only a mail the desk really sent names its ticket.
/// </summary>
public sealed class SentMail(ServiceDeskDbContext db, MessageIds ids)
{
    private const int MaxClaims = 10;

    /// <summary>
    /// The ticket of the first of these Message-IDs that the desk sent (the Message-ID stored on the outbound
    /// message, or, for a send whose outcome was never recorded, the message and delivery key it encodes);
    /// null when none is.
    /// </summary>
    public async Task<long?> TicketOfAsync(IEnumerable<string> messageIds, CancellationToken cancellationToken)
    {
        var claims = messageIds.Select(ids.Read).OfType<OurMessageId>().DistinctBy(c => c.Value).Take(MaxClaims).ToList();
        if (claims.Count == 0)
        {
            return null;
        }

        var values = claims.Select(c => c.Value).ToList();
        var sent = await db.Messages.AsNoTracking()
            .Where(m => m.Channel == Channel.Email && m.Direction == MessageDirection.Outbound && m.ExternalId != null && values.Contains(m.ExternalId) && m.TicketId != null)
            .Select(m => new { m.ExternalId, m.TicketId })
            .ToListAsync(cancellationToken);
        foreach (var claim in claims)
        {
            // The stored message's ticket, not the number in the id: a merged ticket's mail answers the survivor.
            if (sent.FirstOrDefault(m => m.ExternalId == claim.Value) is { } found)
            {
                return found.TicketId;
            }
        }

        // A crash between the SMTP server's acceptance and the outbox's record leaves no stored id; the
        // delivery key, a random Guid only the desk knew, proves the mail is ours all the same.
        foreach (var claim in claims)
        {
            if (claim is { MessageId: { } messageId, DeliveryKey: { } key })
            {
                var ticket = await db.Outbox.AsNoTracking()
                    .Where(o => o.MessageId == messageId && o.DeliveryKey == key && o.Message.Channel == Channel.Email && o.Message.TicketId != null)
                    .Select(o => o.Message.TicketId)
                    .FirstOrDefaultAsync(cancellationToken);
                if (ticket is not null)
                {
                    return ticket;
                }
            }
        }

        return null;
    }
}
