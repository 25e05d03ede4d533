using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// The lookups every inbound message makes, compiled once: on the intake hot path EF's per-call
/// expression processing costs as much as the database does. A compiled query belongs to one
/// model, and each provider has its own, hence one set per model.
/// </summary>
internal sealed class IntakeQueries
{
    private static readonly ConditionalWeakTable<IModel, IntakeQueries> PerModel = [];

    public static IntakeQueries For(ServiceDeskDbContext db) => PerModel.GetValue(db.Model, _ => new IntakeQueries());

    /// <summary>Through the unique (channel, address) index: the natural <c>Contacts.Where(c => c.Identities.Any(...))</c> makes SQLite scan every contact.</summary>
    public readonly Func<ServiceDeskDbContext, Channel, string, CancellationToken, Task<Contact?>> ContactByAddress =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, Channel channel, string address, CancellationToken ct) =>
            db.Contacts
                .Include(c => c.Identities)
                .FirstOrDefault(c => c.Id == db.ContactIdentities
                    .Where(i => i.Channel == channel && i.Address == address)
                    .Select(i => i.ContactId)
                    .FirstOrDefault()));

    /// <summary>
    /// <see cref="ContactByAddress"/> with the service a new ticket goes under, for PostgreSQL's intake, where every query is a
    /// round trip: a sender looked up by address writes on a conversation the desk does not know, which opens a ticket as a rule.
    /// The service is the row the query starts from (a contact need not exist): none when no service has the code.
    /// When no contact owns the address, the same round trip draws the keys of the rows a first contact's message adds, from
    /// the sequences named (<see cref="PostgresKeys.NextValue"/>; a null name draws nothing), as their inserts would:
    /// the contact's, the conversation's, the ticket's, the message's and its acknowledgement's, in that order.
    /// </summary>
    public readonly Func<ServiceDeskDbContext, Channel, string, string, string?, string?, string?, string?, string?, CancellationToken, Task<ServiceAndContact?>> ContactByAddressWithService =
        EF.CompileAsyncQuery((
            ServiceDeskDbContext db, Channel channel, string address, string code,
            string? contactKeys, string? conversationKeys, string? ticketKeys, string? messageKeys, string? acknowledgementKeys, CancellationToken ct) =>
            (from s in db.Services.Include(s => s.AssignmentGroup)
             where s.Code == code
             from c in db.Contacts.Include(c => c.Identities)
                 .Where(c => c.Id == db.ContactIdentities
                     .Where(i => i.Channel == channel && i.Address == address)
                     .Select(i => i.ContactId)
                     .FirstOrDefault())
                 .DefaultIfEmpty()
             select new ServiceAndContact(
                 s,
                 c,
                 c == null && contactKeys != null ? (long?)PostgresKeys.NextValue(contactKeys) : null,
                 c == null && conversationKeys != null ? (long?)PostgresKeys.NextValue(conversationKeys) : null,
                 c == null && ticketKeys != null ? (long?)PostgresKeys.NextValue(ticketKeys) : null,
                 c == null && messageKeys != null ? (long?)PostgresKeys.NextValue(messageKeys) : null,
                 c == null && acknowledgementKeys != null ? (long?)PostgresKeys.NextValue(acknowledgementKeys) : null))
                .FirstOrDefault());

    public readonly Func<ServiceDeskDbContext, Channel, string, CancellationToken, Task<Conversation?>> ConversationByKey =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, Channel channel, string key, CancellationToken ct) =>
            db.Conversations.FirstOrDefault(c => c.Channel == channel && c.ExternalKey == key));

    /// <summary>Intake's conversation lookup: with its contact, so that a returning sender needs no lookup by address.</summary>
    public readonly Func<ServiceDeskDbContext, Channel, string, CancellationToken, Task<Conversation?>> ConversationWithContactByKey =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, Channel channel, string key, CancellationToken ct) =>
            db.Conversations
                .Include(c => c.Contact)
                .ThenInclude(c => c.Identities)
                .FirstOrDefault(c => c.Channel == channel && c.ExternalKey == key));

    /// <summary>
    /// <see cref="ConversationWithContactByKey"/> with the conversation's current ticket, which an append goes on: on PostgreSQL,
    /// where every statement is a round trip, one query instead of two.
    /// </summary>
    public readonly Func<ServiceDeskDbContext, Channel, string, CancellationToken, Task<ConversationAndTicket?>> ConversationWithContactAndTicketByKey =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, Channel channel, string key, CancellationToken ct) =>
            // A join on the ticket's key: a FirstOrDefault subquery in the projection numbers every ticket's rows (ROW_NUMBER).
            (from c in db.Conversations.Include(c => c.Contact).ThenInclude(c => c.Identities)
             where c.Channel == channel && c.ExternalKey == key
             from t in db.Tickets.Where(t => t.Id == c.CurrentTicketId).DefaultIfEmpty()
             select new ConversationAndTicket(c, t))
                .FirstOrDefault());

    /// <summary>A ticket of the requester's with its service (what the chat bot's report answers refine).</summary>
    public readonly Func<ServiceDeskDbContext, long, long, CancellationToken, Task<Ticket?>> RequestersTicketWithService =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long id, long requesterId, CancellationToken ct) =>
            db.Tickets.Include(t => t.Service).FirstOrDefault(t => t.Id == id && t.RequesterId == requesterId));

    /// <summary>Whether a ticket is (still) the requester's: all most of the report's answers need to be filed on it.</summary>
    public readonly Func<ServiceDeskDbContext, long, long, CancellationToken, Task<bool>> IsRequestersTicket =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long id, long requesterId, CancellationToken ct) =>
            db.Tickets.Any(t => t.Id == id && t.RequesterId == requesterId));

    public readonly Func<ServiceDeskDbContext, long, CancellationToken, Task<Ticket?>> TicketById =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long id, CancellationToken ct) =>
            db.Tickets.FirstOrDefault(t => t.Id == id));

    /// <summary>Checked before every knowledge search (each free-text chat turn) to notice an edit made by any instance.</summary>
    public readonly Func<ServiceDeskDbContext, CancellationToken, Task<KnowledgeFingerprint?>> KnowledgeChange =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, CancellationToken ct) =>
            db.KnowledgeArticles.AsNoTracking()
                .OrderByDescending(a => a.UpdatedAt)
                .Select(a => new KnowledgeFingerprint(db.KnowledgeArticles.Count(), a.UpdatedAt, db.KnowledgeArticles.Sum(x => x.Version)))
                .FirstOrDefault());

    public readonly Func<ServiceDeskDbContext, string, CancellationToken, Task<Service?>> ServiceByCode =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, string code, CancellationToken ct) =>
            db.Services.Include(s => s.AssignmentGroup).FirstOrDefault(s => s.Code == code));

    /// <summary>A conversation's messages on no ticket yet, from one on: what a ticket the bot opens takes with it.</summary>
    public readonly Func<ServiceDeskDbContext, long, long, IAsyncEnumerable<Message>> UnfiledMessages =
        EF.CompileAsyncQuery((ServiceDeskDbContext db, long conversationId, long fromId) =>
            db.Messages.Where(m => m.ConversationId == conversationId && m.TicketId == null && m.Id >= fromId));
}

/// <summary>A service and the contact owning an address (null when none does), both tracked; the keys drawn when none does.</summary>
internal sealed record ServiceAndContact(
    Service Service, Contact? Contact, long? ContactKey, long? ConversationKey, long? TicketKey, long? MessageKey, long? AcknowledgementKey);

/// <summary>A conversation and its current ticket (null when it has none), both tracked.</summary>
internal sealed record ConversationAndTicket(Conversation Conversation, Ticket? Ticket);
