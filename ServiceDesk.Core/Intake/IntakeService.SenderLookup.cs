using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Intake;

public sealed partial class IntakeService
{
    /// <summary>The service that came with the sender's lookup (<see cref="FindSenderAsync"/>), for the ticket the message opens.</summary>
    private Service? _serviceOfSender;

    /// <summary>
    /// Keys drawn with the sender's lookup (<see cref="FindSenderAsync"/>) for a first contact's rows, given by
    /// <see cref="PostgresKeys"/> instead of drawn in a round trip of their own. Each transaction attempt starts without.
    /// </summary>
    private KeysDrawnAhead? _keysDrawnAhead;

    /// <summary>
    /// The stored contact owning the sender's address. On PostgreSQL, where every query is a round trip, the same query brings
    /// the service the message names (or the default one): a sender looked up by address writes on a conversation the desk does
    /// not know, so the message opens a ticket as a rule, and that ticket needs no lookup of its own for it. When no contact
    /// owns the address and the transaction takes its keys first (<paramref name="drawKeys"/>), the query also draws the keys
    /// of the rows the first contact's message adds (<see cref="_keysDrawnAhead"/>).
    /// </summary>
    private async Task<Contact?> FindSenderAsync(InboundMessage inbound, string address, bool drawKeys, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.PostgreSql && !inbound.RecordOnly)
        {
            var draw = drawKeys ? await KeysToDrawAsync(inbound, ct) : default;
            if (await IntakeQueries.For(db).ContactByAddressWithService(
                db, inbound.Channel, address, inbound.ServiceCode ?? DefaultServiceCode,
                draw.Contact, draw.Conversation, draw.Ticket, draw.Message, draw.Acknowledgement, ct) is { } found)
            {
                _serviceOfSender = found.Service;
                if (found.Contact is null && drawKeys)
                {
                    _keysDrawnAhead = new KeysDrawnAhead(
                        found.ContactKey, found.ConversationKey, found.TicketKey, [.. new[] { found.MessageKey, found.AcknowledgementKey }.OfType<long>()]);
                }

                return found.Contact;
            }
        }

        // No service has the code (the ticket falls back to the default one), or another provider.
        return await db.FindContactAsync(inbound.Channel, address, ct);
    }

    /// <summary>
    /// The sequences to draw a first contact's keys from (a null one draws none): the contact's; the conversation's unless the
    /// message's is tracked already; and, when the message opens a ticket as a rule (nothing it names leads to one: on a new
    /// conversation a first contact has no ticket), the ticket's and the acknowledgement's. The message's always: a first
    /// contact's message takes its key first wherever it goes.
    /// </summary>
    private async Task<(string? Contact, string? Conversation, string? Ticket, string? Message, string? Acknowledgement)> KeysToDrawAsync(
        InboundMessage inbound, CancellationToken ct)
    {
        var conversationKnown = inbound.ConversationKey is null
            || db.Tracked<Conversation>().Any(c => c.Channel == inbound.Channel && c.ExternalKey == inbound.ConversationKey);
        var opensTicket = inbound.StartsNewTicket
            || (inbound.TicketId is null && inbound.ThreadKeys.Count == 0 && (inbound.ConversationKey is null || !conversationKnown));
        var messages = await PostgresKeys.SequenceOfAsync<Message>(db, ct);
        return (
            await PostgresKeys.SequenceOfAsync<Contact>(db, ct),
            conversationKnown ? null : await PostgresKeys.SequenceOfAsync<Conversation>(db, ct),
            opensTicket ? await PostgresKeys.SequenceOfAsync<Ticket>(db, ct) : null,
            messages,
            opensTicket && inbound.Acknowledge ? messages : null);
    }

    /// <summary>
    /// The service with the code when it came with the sender's lookup and is still tracked: the instance a query would return.
    /// A transaction that lost a race is retried with the change tracker cleared, and its retry may not look the sender up again
    /// (the conversation is found now): a detached service would be inserted with the ticket that names it.
    /// </summary>
    private Service? BroughtWithSender(string code) =>
        _serviceOfSender is { } service && service.Code == code && db.Entry(service).State != EntityState.Detached ? service : null;
}
