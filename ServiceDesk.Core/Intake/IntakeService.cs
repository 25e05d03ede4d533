using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Intake;

/// <summary>
/// Takes one inbound message into the desk in one transaction: de-duplicate, resolve the contact
/// and conversation, find or open the ticket, store the message and events, queue notifications.
/// </summary>
public sealed partial class IntakeService(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    SlaClock sla,
    TicketNumber numbers,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    IDeskEvents events,
    ILogger<IntakeService> logger)
{
    /// <summary>The service new tickets get when the channel names none.</summary>
    public const string DefaultServiceCode = "general";

    /// <summary>Conversations this scope created (the service is scoped: one request, one transaction).</summary>
    private readonly HashSet<Conversation> _opened = new(ReferenceEqualityComparer.Instance);

    // The columns' sizes (ServiceDeskDbContext): contact and author names, message subjects.
    private const int MaxNameLength = 200;
    private const int MaxSubjectLength = 500;

    /// <summary>A first contact's name in the events recorded before the save that gives the contact its id.</summary>
    private const string ProvisionalActor = "contact:0";

    public async Task<IntakeResult> ReceiveAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        Validate(inbound);
        var queued = new List<OutboxMessage>();
        var attempt = 0;
        var result = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                return await ReceiveCoreAsync(inbound, queued, checkDuplicate: attempt++ > 0, firstContact: false, callerSaves: false, keysFirst: true, ct);
            },
            cancellationToken);

        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        if (result.Outcome == IntakeOutcome.Duplicate)
        {
            LogDuplicate(inbound.Channel, inbound.ExternalId, result.TicketNumber);
        }
        else
        {
            // After the commit: a live view that reloads now sees the message.
            await events.MessageAddedAsync(result.TicketId, result.ConversationId, result.MessageId, cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// <see cref="ReceiveAsync"/> inside a transaction the caller runs with <see cref="WriteTransaction"/>, for work that
    /// must commit together with the message (the bot's turn and its dialog state). Notices are added to
    /// <paramref name="queued"/>: schedule them once the transaction has committed.
    /// </summary>
    /// <param name="checkDuplicate">
    /// True when the caller's transaction is being retried: a redelivery is refused by the unique index on the
    /// first attempt and recognised (<see cref="IntakeOutcome.Duplicate"/>) on the retry.
    /// </param>
    public Task<IntakeResult> ReceiveInTransactionAsync(InboundMessage inbound, List<OutboxMessage> queued, bool checkDuplicate, CancellationToken cancellationToken) =>
        ReceiveInTransactionAsync(inbound, queued, checkDuplicate, firstContact: false, callerSaves: false, cancellationToken);

    /// <inheritdoc cref="ReceiveInTransactionAsync(InboundMessage, List{OutboxMessage}, bool, CancellationToken)"/>
    /// <param name="firstContact">
    /// The caller has just looked the sender and the conversation up in this transaction and found neither: they are
    /// created without being looked up again. (A concurrent first message that got there first still loses on the unique
    /// indexes, and the caller's retry finds them.) On SQLite they take their keys first, so a first message on no ticket
    /// waits for the caller's save instead of a save of its own for the ids it names.
    /// </param>
    /// <param name="callerSaves">
    /// The caller saves again before it commits (the bot's turn): a message on no ticket (<see cref="InboundMessage.RecordOnly"/>),
    /// or appended to an existing ticket without an acknowledgement, is left for that save, with the turn's other rows and the
    /// conversation's one UPDATE, instead of a save of its own.
    /// It is tracked (<c>Messages.Local</c>) with id 0 until then: <see cref="IntakeResult.MessageId"/> is 0, and
    /// <see cref="OpenForConversationAsync"/> files it with the other rows this transaction adds.
    /// </param>
    public Task<IntakeResult> ReceiveInTransactionAsync(
        InboundMessage inbound, List<OutboxMessage> queued, bool checkDuplicate, bool firstContact, bool callerSaves, CancellationToken cancellationToken)
    {
        Validate(inbound);
        return ReceiveCoreAsync(inbound, queued, checkDuplicate, firstContact, callerSaves, keysFirst: firstContact, cancellationToken);
    }

    /// <summary>
    /// Opens a ticket from what a chat conversation collected over several turns (the bot's "report an issue" or
    /// "talk to a person"), inside the caller's transaction, and files on it the conversation's messages that are on
    /// no ticket yet, from <see cref="ConversationTicket.FileMessagesFrom"/> on, so agents see the exchange that led to it.
    /// No notice is queued: the bot answers in the conversation.
    /// </summary>
    public Task<Ticket> OpenForConversationAsync(Conversation conversation, Contact requester, ConversationTicket request, CancellationToken cancellationToken) =>
        OpenForConversationAsync(conversation, requester, request, callerSaves: false, cancellationToken);

    /// <inheritdoc cref="OpenForConversationAsync(Conversation, Contact, ConversationTicket, CancellationToken)"/>
    /// <param name="callerSaves">
    /// The caller saves again before it commits (the bot's turn, which writes the conversation's dialog state): the new ticket
    /// takes its key first, and it, the messages filed on it and the conversation's current ticket and activity go in the
    /// caller's save (the row is updated once), not in one of this call's.
    /// </param>
    public async Task<Ticket> OpenForConversationAsync(
        Conversation conversation, Contact requester, ConversationTicket request, bool callerSaves, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Description, nameof(request));
        var now = time.GetUtcNow();
        var unfiled = new List<Message>();
        if (request.FileMessagesFrom is { } from && _opened.Contains(conversation))
        {
            // Opened by this scope (a first contact's turn): every message it has went in through this context, so the
            // change tracker holds them all and the database has nothing more to tell.
            unfiled.AddRange(db.ChangeTracker.Entries<Message>()
                .Where(e => e.Entity.ConversationId == conversation.Id && e.Entity.TicketId == null
                    && (e.State == EntityState.Added || (e.State != EntityState.Deleted && e.Entity.Id >= from)))
                .Select(e => e.Entity));
        }
        else if (request.FileMessagesFrom is { } since)
        {
            // Those stored, and those added in this transaction but not saved yet (they get their ids, all after from, on the save).
            unfiled.AddRange(await IntakeQueries.For(db).UnfiledMessages(db, conversation.Id, since).ToListAsync(cancellationToken));
            unfiled.AddRange(db.ChangeTracker.Entries<Message>()
                .Where(e => e.State == EntityState.Added && e.Entity.ConversationId == conversation.Id && e.Entity.TicketId == null)
                .Select(e => e.Entity));
        }

        var ticket = await OpenTicketAsync(
            request.Type, request.Title ?? TitleFor(null, request.Description, requester.Language), request.Description, conversation.Channel,
            request.Impact, request.Urgency, request.ServiceCode, requester, $"contact:{requester.Id}", now, keyFirst: callerSaves, cancellationToken);

        // One save: the new ticket's key is still temporary, and EF writes the generated one into the messages
        // (through Ticket.Messages) and into the conversation's CurrentTicketId (its foreign key) as it inserts.
        foreach (var message in unfiled)
        {
            ticket.Messages.Add(message);
        }

        if (!callerSaves)
        {
            conversation.LastActivityAt = now;
            db.Entry(conversation).Property(nameof(Conversation.CurrentTicketId)).CurrentValue = db.Entry(ticket).Property(nameof(Ticket.Id)).CurrentValue;
        }

        // The caller's save writes it all when the ticket's key is known without one: taken first on SQLite (above), drawn
        // from the sequences on PostgreSQL.
        if (!callerSaves || (ticket.Id == 0 && await PostgresKeys.AssignAsync(db, messages: 0, cancellationToken) is null))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        if (callerSaves)
        {
            conversation.LastActivityAt = now;
            conversation.CurrentTicketId = ticket.Id;
        }

        return ticket;
    }

    /// <param name="keysFirst">
    /// On SQLite, new rows get their keys before the save (<see cref="SqliteKeys"/>), so that the message, and the
    /// acknowledgement that quotes the new ticket's number, go in the same save as the rows they name: a new ticket is one
    /// save, not two. On PostgreSQL they are drawn from the tables' sequences, in one round trip, when the rows are
    /// complete (<see cref="PostgresKeys"/>), with the same result. The transactions of <see cref="ReceiveInTransactionAsync(InboundMessage, List{OutboxMessage}, bool, bool, bool, CancellationToken)"/>
    /// (the bot's turn) keep the keys the database gives, which their own saves are built around, except for a first contact
    /// (<c>firstContact</c>): its new contact and conversation take their keys first on SQLite, and on PostgreSQL a new
    /// ticket's rows draw theirs from the sequences as above.
    /// </param>
    private async Task<IntakeResult> ReceiveCoreAsync(
        InboundMessage inbound, List<OutboxMessage> queued, bool checkDuplicate, bool firstContact, bool callerSaves, bool keysFirst, CancellationToken ct)
    {
        _keysDrawnAhead = null;

        // Redeliveries are rare: the first attempt goes straight to work and the unique index refuses a
        // duplicate; the retry that follows looks the original up and answers with it.
        var existing = !checkDuplicate ? null : await db.Messages.AsNoTracking()
            .Where(m => m.Channel == inbound.Channel && m.ExternalId == inbound.ExternalId)
            .Select(m => new { m.Id, m.TicketId, m.AuthorContactId, m.ConversationId })
            .FirstOrDefaultAsync(ct);
        if (existing is not null)
        {
            var ticketId = existing.TicketId ?? 0;
            var number = existing.TicketId is { } id ? numbers.Format(id) : "";
            return new IntakeResult(IntakeOutcome.Duplicate, existing.Id, ticketId, number, existing.AuthorContactId ?? 0, existing.ConversationId);
        }

        if (inbound.Kind is MessageKind.AutoReply or MessageKind.Bounce)
        {
            return await RecordAutomatedAsync(inbound, ct);
        }

        var now = time.GetUtcNow();
        var known = await FindConversationAsync(inbound, lookUp: !firstContact, ct);
        var contact = known?.ContactOwning(ContactIdentity.Normalize(inbound.Channel, inbound.SenderAddress))
            ?? await ResolveContactAsync(inbound, lookUp: !firstContact, now, keysFirst, ct);
        if (db.Entry(contact).State != EntityState.Added)
        {
            await MarkReachableAsync(inbound, ct);
        }

        var conversation = await OpenConversationAsync(known, inbound, contact, now, keysFirst, ct);
        var actor = $"contact:{contact.Id}";
        if (inbound.RecordOnly)
        {
            return await RecordAsync(inbound, contact, conversation!, now, callerSaves, ct);
        }

        var ticket = inbound.StartsNewTicket ? null : await MatchTicketAsync(inbound, contact, conversation, ct);
        IntakeOutcome outcome;
        Ticket? previous = null;
        if (ticket is null)
        {
            outcome = IntakeOutcome.CreatedTicket;
        }
        else if (ticket.RequesterId != contact.Id)
        {
            // A colleague on the thread adds information; only the requester's reply moves the status.
            outcome = IntakeOutcome.AppendedToTicket;
        }
        else
        {
            var statusBefore = ticket.Status;
            if (ticket.AcceptRequesterReply(actor, desk.Value.ReopenWindow, sla, now))
            {
                outcome = statusBefore is TicketStatus.Resolved or TicketStatus.Closed ? IntakeOutcome.ReopenedTicket : IntakeOutcome.AppendedToTicket;
            }
            else
            {
                previous = ticket;
                ticket = null;
                outcome = IntakeOutcome.CreatedFollowUpTicket;
            }
        }

        var isNewTicket = ticket is null;
        if (ticket is null)
        {
            ticket = await OpenTicketAsync(inbound, contact, actor, now, keysFirst, ct);
            ticket.RelatedTicketId = previous?.Id;
        }

        var message = NewMessage(inbound, contact, now);
        if (!isNewTicket && ticket.RequesterId != contact.Id)
        {
            ticket.Record(TicketEventKind.MessageReceived, actor, now, $"from {contact.DisplayName}");
        }

        if (isNewTicket || ticket.RequesterId == contact.Id)
        {
            // The requester's latest mail tells whether a person or a program is at the other end of the notices
            // (decided before the notice below, and saved with the first save: a plain append needs no second one).
            if (inbound.AutomatedSender is { } automated)
            {
                ticket.SuppressAutomaticNotices(automated, actor, now);
            }
            else
            {
                ticket.ResumeAutomaticNotices(actor, now);
            }
        }

        // The message names its author and conversation by id. A returning sender's are known: it goes in the first save,
        // and a plain append is one save. A first contact's are not: it waits for the second save, with the notice,
        // instead of being inserted and then updated.
        var messageInFirstSave = contact.Id != 0 && conversation is not { Id: 0 };
        if (messageInFirstSave)
        {
            AddMessage(ticket, message, contact, conversation);
        }

        if (conversation is not null)
        {
            conversation.LastActivityAt = now;
            if (ticket.Id != 0)
            {
                conversation.CurrentTicketId = ticket.Id;
            }
            else
            {
                // The new ticket's temporary key: EF inserts the ticket first and writes its real id into this row,
                // in the same save, instead of an UPDATE after it.
                db.Entry(conversation).Property(nameof(Conversation.CurrentTicketId)).CurrentValue = db.Entry(ticket).Property(nameof(Ticket.Id)).CurrentValue;
            }
        }

        // A plain append in the caller's transaction (the bot's turn) needs no id from the database: the caller's save writes it
        // with the turn's own rows, so the conversation is updated once.
        var callerWrites = callerSaves && messageInFirstSave && !isNewTicket && !inbound.Acknowledge;

        // Every row knows the keys it names (a returning sender's append, or keys taken first): one save, after the notice.
        var oneSave = messageInFirstSave && ticket.Id != 0;
        ReservedMessageKeys? messageKeys = null;
        if (!callerWrites && !oneSave)
        {
            // The message, and the acknowledgement that a new or reopened ticket sends, are the messages the save inserts.
            var messages = inbound.Acknowledge && outcome != IntakeOutcome.AppendedToTicket ? 2 : 1;
            if (keysFirst && await PostgresKeys.AssignAsync(db, messages, detectChanges: true, _keysDrawnAhead, ct) is { } reserved)
            {
                // On PostgreSQL the new rows' keys are drawn now, in one round trip, instead of saved for: one save after the notice.
                messageKeys = reserved;
                oneSave = true;
            }
            else
            {
                await db.SaveChangesAsync(ct);
            }

            if (contact.Id != 0 && actor == ProvisionalActor)
            {
                // A first contact's id came with that save: the events recorded before it (the ticket opened) name the
                // contact by it, and the second save, which follows anyway, writes the corrected names.
                actor = $"contact:{contact.Id}";
                foreach (var entry in ticket.Events.Where(e => e.Actor == ProvisionalActor))
                {
                    entry.Actor = actor;
                }
            }
        }

        // New rows have ids now: file the message if it waited for them, and compose texts that quote the ticket number.
        if (!messageInFirstSave)
        {
            AddMessage(ticket, message, contact, conversation);
        }

        if (previous is not null)
        {
            previous.Record(TicketEventKind.LinkedTicketCreated, "system", now, numbers.Format(ticket.Id));
        }

        var notice = outcome switch
        {
            IntakeOutcome.CreatedTicket when inbound.Acknowledge => await notifier.AcknowledgeAsync(ticket, conversation, ct),
            IntakeOutcome.CreatedFollowUpTicket when inbound.Acknowledge => await notifier.FollowUpOpenedAsync(ticket, previous!.Id, conversation, ct),
            IntakeOutcome.ReopenedTicket when inbound.Acknowledge => await notifier.ReopenedAsync(ticket, conversation, ct),
            _ => null,
        };
        if (notice is not null)
        {
            queued.Add(notice);
        }

        // A plain append wrote everything in the first save (or leaves it to the caller's): a second SaveChanges would find
        // nothing, but only after running the change detection over every tracked entity again. Anything written since (the
        // message that waited for ids, the link on the previous ticket, a notice or the note that none could be routed) saves now.
        if (!callerWrites && (oneSave || !messageInFirstSave || previous is not null || (inbound.Acknowledge && outcome != IntakeOutcome.AppendedToTicket)))
        {
            messageKeys?.Give(db, message, notice?.Message);

            // Its keys taken first, the message's own transaction saves its rows without SaveChanges' preparations.
            if (keysFirst && !firstContact)
            {
                await transaction.SaveChangesAsync(ct);
            }
            else
            {
                await db.SaveChangesAsync(ct);
            }
        }

        return new IntakeResult(outcome, message.Id, ticket.Id, numbers.Format(ticket.Id), contact.Id, conversation?.Id);
    }

    private static void AddMessage(Ticket ticket, Message message, Contact contact, Conversation? conversation)
    {
        message.AuthorContactId = contact.Id;
        message.ConversationId = conversation?.Id;
        ticket.Messages.Add(message);
    }

    /// <summary>A message on no ticket, in its conversation (bot chatter).</summary>
    private async Task<IntakeResult> RecordAsync(InboundMessage inbound, Contact contact, Conversation conversation, DateTimeOffset now, bool callerSaves, CancellationToken ct)
    {
        conversation.LastActivityAt = now;
        if ((contact.Id == 0 || conversation.Id == 0) && await PostgresKeys.AssignAsync(db, messages: 0, ct) is null)
        {
            // A first contact: the message needs their ids (on PostgreSQL drawn from the sequences, without a save).
            await db.SaveChangesAsync(ct);
        }

        var message = NewMessage(inbound, contact, now);
        message.AuthorContactId = contact.Id;
        message.ConversationId = conversation.Id;
        db.Messages.Add(message);
        if (!callerSaves)
        {
            await db.SaveChangesAsync(ct);
        }

        return new IntakeResult(IntakeOutcome.Recorded, message.Id, 0, "", contact.Id, conversation.Id);
    }

    private static Message NewMessage(InboundMessage inbound, Contact contact, DateTimeOffset now) => new()
    {
        Channel = inbound.Channel,
        Direction = MessageDirection.Inbound,
        Visibility = MessageVisibility.Public,
        Kind = MessageKind.UserMessage,
        ExternalId = inbound.ExternalId,
        Subject = Fit(inbound.Subject, MaxSubjectLength),
        Body = inbound.Text,
        Author = contact.DisplayName,
        Attachments = [.. inbound.Attachments],
        DeliveryState = DeliveryState.NotApplicable,
        CreatedAt = inbound.ReceivedAt ?? now,
    };

    /// <summary>
    /// An auto-reply or a bounce: recorded on the ticket it answers, found only through strong links (the channel's
    /// ticket id, the thread, the requester's own ticket reference). It opens no ticket, creates no contact, moves
    /// no status and queues nothing, so two auto-responders can never keep each other busy.
    /// </summary>
    private async Task<IntakeResult> RecordAutomatedAsync(InboundMessage inbound, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sender = await db.FindContactAsync(inbound.Channel, ContactIdentity.Normalize(inbound.Channel, inbound.SenderAddress), ct);
        var marked = await MarkBouncedAsync(inbound, now, ct);
        if (inbound.Kind == MessageKind.AutoReply)
        {
            // An out-of-office came back from the address: mail to it is delivered.
            await MarkReachableAsync(inbound, ct);
        }

        var ticket = await MatchAutomatedAsync(inbound, sender, ct);
        if (ticket is null)
        {
            await db.SaveChangesAsync(ct);
            LogUnmatched(inbound.Kind, inbound.Channel, inbound.ExternalId);
            return new IntakeResult(IntakeOutcome.Unmatched, 0, 0, string.Empty, sender?.Id ?? 0, null);
        }

        var message = new Message
        {
            Channel = inbound.Channel,
            Direction = MessageDirection.Inbound,
            Visibility = MessageVisibility.Public,
            Kind = inbound.Kind,
            ExternalId = inbound.ExternalId,
            Subject = Fit(inbound.Subject, MaxSubjectLength),
            Body = inbound.Text,
            Author = sender?.DisplayName ?? NameOf(inbound),
            AuthorContactId = sender?.Id,
            Attachments = [.. inbound.Attachments],
            DeliveryState = DeliveryState.NotApplicable,
            CreatedAt = inbound.ReceivedAt ?? now,
        };
        ticket.Messages.Add(message);
        var actor = sender is null ? "system" : $"contact:{sender.Id}";
        ticket.Record(inbound.Kind == MessageKind.Bounce ? TicketEventKind.BounceReceived : TicketEventKind.AutoReplyReceived, actor, now, inbound.SenderAddress);
        foreach (var identity in marked)
        {
            ticket.Record(TicketEventKind.ContactUnreachable, "system", now, $"{identity.Channel} {identity.Address}");
        }

        await db.SaveChangesAsync(ct);
        return new IntakeResult(IntakeOutcome.RecordedOnTicket, message.Id, ticket.Id, numbers.Format(ticket.Id), sender?.Id ?? 0, null);
    }

    private async Task<List<ContactIdentity>> MarkBouncedAsync(InboundMessage inbound, DateTimeOffset now, CancellationToken ct)
    {
        var marked = new List<ContactIdentity>();
        if (inbound.Kind != MessageKind.Bounce)
        {
            return marked;
        }

        var hard = inbound.BouncedAddresses.Select(a => ContactIdentity.Normalize(inbound.Channel, a)).ToHashSet();
        var soft = inbound.SoftBouncedAddresses.Select(a => ContactIdentity.Normalize(inbound.Channel, a)).Where(a => !hard.Contains(a)).ToHashSet();
        foreach (var address in hard.Concat(soft))
        {
            var identity = await db.ContactIdentities.FirstOrDefaultAsync(i => i.Channel == inbound.Channel && i.Address == address, ct);
            if (identity is not { Unreachable: false })
            {
                continue;
            }

            // A full mailbox empties again: only repeated temporary failures stop the mail.
            if (soft.Contains(address) && ++identity.SoftBounces < ContactIdentity.SoftBouncesBeforeUnreachable)
            {
                LogSoftBounced(inbound.Channel, address, identity.SoftBounces);
                continue;
            }

            identity.Unreachable = true;
            identity.UnreachableReason = soft.Contains(address)
                ? $"bounced {identity.SoftBounces} times for now, last {now:yyyy-MM-dd HH:mm} UTC ({inbound.ExternalId})"
                : $"bounced {now:yyyy-MM-dd HH:mm} UTC ({inbound.ExternalId})";
            marked.Add(identity);
            LogBounced(inbound.Channel, address);
        }

        return marked;
    }

    /// <summary>
    /// Mail from an address (the person writing again, their out-of-office) proves mail to it is delivered: a bounce
    /// from the past, or temporary failures, no longer stop the desk's answers. E-mail only: on the chat channels
    /// "unreachable" means other things (a blocked bot, a number that cannot take texts) that writing need not undo.
    /// </summary>
    private async Task MarkReachableAsync(InboundMessage inbound, CancellationToken ct)
    {
        if (inbound.Channel != Channel.Email)
        {
            return;
        }

        var address = ContactIdentity.Normalize(inbound.Channel, inbound.SenderAddress);
        var identity = await db.ContactIdentities.FirstOrDefaultAsync(i => i.Channel == inbound.Channel && i.Address == address && (i.Unreachable || i.SoftBounces > 0), ct);
        if (identity is null)
        {
            return;
        }

        if (identity.Unreachable)
        {
            LogReachableAgain(inbound.Channel, address, identity.UnreachableReason);
        }

        identity.Unreachable = false;
        identity.UnreachableReason = null;
        identity.SoftBounces = 0;
    }

    private async Task<Ticket?> MatchAutomatedAsync(InboundMessage inbound, Contact? sender, CancellationToken ct)
    {
        if (inbound.TicketId is { } known && await IntakeQueries.For(db).TicketById(db, known, ct) is { } byChannel)
        {
            return byChannel;
        }

        if (inbound.ThreadKeys.Count > 0)
        {
            var threadTicket = await db.Messages.AsNoTracking()
                .Where(m => m.Channel == inbound.Channel && m.ExternalId != null && inbound.ThreadKeys.Contains(m.ExternalId) && m.TicketId != null)
                .OrderByDescending(m => m.Id)
                .Select(m => m.TicketId)
                .FirstOrDefaultAsync(ct);
            if (threadTicket is { } id && await IntakeQueries.For(db).TicketById(db, id, ct) is { } byThread)
            {
                return byThread;
            }
        }

        // An out-of-office quoting "[SD-12]" in its subject belongs to ticket 12 only if its sender asked for it.
        if (sender is not null)
        {
            foreach (var id in numbers.FindIn(inbound.Subject).Concat(numbers.FindIn(inbound.Text)).Distinct().Take(5))
            {
                if (await IntakeQueries.For(db).TicketById(db, id, ct) is { } referenced && referenced.RequesterId == sender.Id)
                {
                    return referenced;
                }
            }
        }

        return null;
    }

    private async Task<Contact> ResolveContactAsync(InboundMessage inbound, bool lookUp, DateTimeOffset now, bool keyFirst, CancellationToken ct)
    {
        var address = ContactIdentity.Normalize(inbound.Channel, inbound.SenderAddress);
        // Without a look-up the caller has just found no such contact in this transaction: the change tracker has none either.
        var contact = lookUp ? db.TrackedContact(inbound.Channel, address) ?? await FindSenderAsync(inbound, address, keyFirst, ct) : null;
        if (contact is not null)
        {
            return contact;
        }

        // A concurrent first message from the same person loses on the unique (channel, address) index and retries.
        contact = new Contact
        {
            Id = keyFirst ? await SqliteKeys.NextAsync<Contact>(db, ct) ?? 0 : 0,
            DisplayName = NameOf(inbound),
            Language = Languages.FromLocale(inbound.Locale) ?? desk.Value.DefaultLanguage,
            CreatedAt = now,
            Identities = [new ContactIdentity { Channel = inbound.Channel, Address = address }],
        };
        db.Contacts.Add(contact);
        return contact;
    }

    /// <summary>
    /// The message's conversation, with its contact and the contact's identities: the same tracked instance when the
    /// caller's transaction has it already, else one query (unless <paramref name="lookUp"/> is false: the caller has just
    /// looked and found none), which also spares a returning sender's contact lookup. On PostgreSQL the query also brings the
    /// conversation's current ticket, tracked, where an append finds it (<see cref="LoadTicketAsync"/>) without a round trip of its own.
    /// </summary>
    private async Task<Conversation?> FindConversationAsync(InboundMessage inbound, bool lookUp, CancellationToken ct) =>
        inbound.ConversationKey is null
            ? null
            : db.Tracked<Conversation>().FirstOrDefault(c => c.Channel == inbound.Channel && c.ExternalKey == inbound.ConversationKey)
                ?? (!lookUp ? null
                    : db.Provider == DatabaseProvider.PostgreSql
                        ? (await IntakeQueries.For(db).ConversationWithContactAndTicketByKey(db, inbound.Channel, inbound.ConversationKey, ct))?.Conversation
                        : await IntakeQueries.For(db).ConversationWithContactByKey(db, inbound.Channel, inbound.ConversationKey, ct));

    private async Task<Conversation?> OpenConversationAsync(Conversation? conversation, InboundMessage inbound, Contact contact, DateTimeOffset now, bool keyFirst, CancellationToken ct)
    {
        if (inbound.ConversationKey is null)
        {
            return null;
        }

        if (conversation is null)
        {
            conversation = new Conversation
            {
                Id = keyFirst ? await SqliteKeys.NextAsync<Conversation>(db, ct) ?? 0 : 0,
                Channel = inbound.Channel,
                ExternalKey = inbound.ConversationKey,
                Contact = contact,
                Mode = ConversationMode.Bot,
                CreatedAt = now,
                LastActivityAt = now,
            };
            db.Conversations.Add(conversation);
            _opened.Add(conversation);
        }

        if (inbound.ReplyHandle is not null)
        {
            conversation.ReplyHandle = inbound.ReplyHandle;
        }

        return conversation;
    }

    private async Task<Ticket?> MatchTicketAsync(InboundMessage inbound, Contact contact, Conversation? conversation, CancellationToken ct)
    {
        // 1. A ticket the channel identified from its own thread headers.
        if (inbound.TicketId is { } known && await LoadTicketAsync(known, contact, ct) is { } byChannel)
        {
            return byChannel;
        }

        // 2. Earlier messages this one answers.
        if (inbound.ThreadKeys.Count > 0)
        {
            var threadTicket = await db.Messages.AsNoTracking()
                .Where(m => m.Channel == inbound.Channel && m.ExternalId != null && inbound.ThreadKeys.Contains(m.ExternalId) && m.TicketId != null)
                .OrderByDescending(m => m.Id)
                .Select(m => m.TicketId)
                .FirstOrDefaultAsync(ct);
            if (threadTicket is { } id && await LoadTicketAsync(id, contact, ct) is { } byThread)
            {
                return byThread;
            }
        }

        // 3. An explicit "SD-123" in the subject or text, honoured only for the requester's own tickets.
        if (contact.Id != 0)
        {
            foreach (var id in numbers.FindIn(inbound.Subject).Concat(numbers.FindIn(inbound.Text)).Distinct().Take(5))
            {
                if (await LoadTicketAsync(id, contact, ct) is { } referenced && referenced.RequesterId == contact.Id)
                {
                    return referenced;
                }
            }
        }

        // 4. The conversation's current ticket.
        return conversation?.CurrentTicketId is { } current ? await LoadTicketAsync(current, contact, ct) : null;
    }

    private async Task<Ticket?> LoadTicketAsync(long id, Contact sender, CancellationToken ct)
    {
        // Tracked already (brought with the conversation), it is the instance the query would return (found by key, without
        // the change detection: a key does not change).
        var ticket = db.Tracked<Ticket>().FindEntry(id)?.Entity ?? await IntakeQueries.For(db).TicketById(db, id, ct);

        // A duplicate merged into another ticket sends its follow-ups there (a chain is followed a few hops).
        for (var hops = 0; ticket?.MergedIntoTicketId is { } survivor && hops < 5; hops++)
        {
            ticket = await IntakeQueries.For(db).TicketById(db, survivor, ct);
        }

        // Usually the sender is the requester, already tracked with its identities: EF links it. Otherwise load the requester.
        if (ticket is not null && ticket.RequesterId != sender.Id)
        {
            await db.Entry(ticket).Reference(t => t.Requester).Query().Include(c => c.Identities).LoadAsync(ct);
        }

        return ticket;
    }

    private Task<Ticket> OpenTicketAsync(InboundMessage inbound, Contact contact, string actor, DateTimeOffset now, bool keyFirst, CancellationToken ct) =>
        OpenTicketAsync(
            inbound.Type, TitleFor(inbound.Subject, inbound.Text, contact.Language), inbound.Text, inbound.Channel, inbound.Impact, inbound.Urgency, inbound.ServiceCode,
            contact, actor, now, keyFirst, ct);

    private async Task<Ticket> OpenTicketAsync(
        TicketType type, string title, string text, Channel channel, Impact impact, Urgency urgency, string? serviceCode,
        Contact contact, string actor, DateTimeOffset now, bool keyFirst, CancellationToken ct)
    {
        var code = serviceCode ?? DefaultServiceCode;
        var service = BroughtWithSender(code) ?? await IntakeQueries.For(db).ServiceByCode(db, code, ct)
            ?? await IntakeQueries.For(db).ServiceByCode(db, DefaultServiceCode, ct);
        var ticket = Ticket.Create(type, title, text, contact, channel, impact, urgency, service, actor, sla, now);
        if (keyFirst && await SqliteKeys.NextAsync<Ticket>(db, ct) is { } id)
        {
            // The number is known before the save: the acknowledgement that quotes it goes in the same one.
            ticket.Id = id;
        }

        db.Tickets.Add(ticket);
        return ticket;
    }

    private static string TitleFor(string? subject, string text, string language)
    {
        if (!string.IsNullOrWhiteSpace(subject))
        {
            return subject.Trim();
        }

        var firstLine = text.Trim().Split('\n', 2)[0].Trim();
        if (firstLine.Length == 0)
        {
            return NotificationTexts.Format("TicketTitle_NoText", language);
        }

        return firstLine.Length <= 80 ? firstLine : firstLine[..79] + "…";
    }

    /// <summary>The sender's name as the desk shows it: the name the channel gave, else the address, cut to fit.</summary>
    private static string NameOf(InboundMessage inbound) =>
        Fit(string.IsNullOrWhiteSpace(inbound.SenderName) ? inbound.SenderAddress.Trim() : inbound.SenderName.Trim(), MaxNameLength)!;

    /// <summary>
    /// Cuts channel input to its column: a 300-character display name or a 2 KB subject is the sender's doing,
    /// and refusing it (the database would) makes the channel redeliver the message for ever.
    /// </summary>
    private static string? Fit(string? text, int length) =>
        text is null || text.Length <= length ? text : text[..(length - 1)] + "…";

    private static void Validate(InboundMessage inbound)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inbound.ExternalId, nameof(inbound.ExternalId));
        ArgumentException.ThrowIfNullOrWhiteSpace(inbound.SenderAddress, nameof(inbound.SenderAddress));
        ArgumentNullException.ThrowIfNull(inbound.Text, nameof(inbound.Text));
        if (inbound.RecordOnly && inbound.ConversationKey is null)
        {
            throw new ArgumentException("A message recorded on no ticket needs a conversation key.", nameof(inbound));
        }

        if (inbound.ExternalId.Length > 512)
        {
            throw new ArgumentException("An external id is at most 512 characters.", nameof(inbound));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Channel} message {ExternalId} belongs to no ticket; not recorded")]
    private partial void LogUnmatched(MessageKind kind, Channel channel, string externalId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} address {Address} bounced; marked unreachable")]
    private partial void LogBounced(Channel channel, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} address {Address} failed for now ({Count} in a row); still reachable")]
    private partial void LogSoftBounced(Channel channel, string address, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} address {Address} works again (was: {Reason})")]
    private partial void LogReachableAgain(Channel channel, string address, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redelivery of {Channel} message {ExternalId} ignored (already on {TicketNumber})")]
    private partial void LogDuplicate(Channel channel, string externalId, string ticketNumber);
}
