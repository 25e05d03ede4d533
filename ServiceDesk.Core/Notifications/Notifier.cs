using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Notifications;

/// <summary>
/// Writes what the desk tells a requester as an outbound message plus its outbox row, in the
/// caller's transaction, addressed to the channel the requester came in on (or the next reachable one).
/// </summary>
public sealed class Notifier(
    ServiceDeskDbContext db,
    TicketNumber numbers,
    IOptions<DeskOptions> desk,
    IOptions<SlaOptions> sla,
    TimeProvider time,
    ConfiguredChannels channels)
{
    private readonly TimeZoneInfo _zone = sla.Value.BusinessHours.TryGetTimeZone() ?? TimeZoneInfo.Utc;

    /// <summary>The ticket was opened: number, priority and target date.</summary>
    /// <param name="via">The conversation the requester just wrote in, if any: answers go there.</param>
    public Task<OutboxMessage?> AcknowledgeAsync(Ticket ticket, Conversation? via, CancellationToken cancellationToken)
    {
        var language = ticket.Requester.Language;
        var due = TimeZoneInfo.ConvertTime(ticket.ResolutionDueAt, _zone).ToString("f", NotificationTexts.CultureFor(language));
        var body = NotificationTexts.Format("Acknowledgement", language, ticket.Requester.DisplayName, numbers.Format(ticket.Id), ticket.Title, ticket.Priority, due);
        return AutomaticAsync(ticket, MessageKind.Acknowledgement, body, NotificationTexts.Format("SubjectNew", language, ticket.Title), via, cancellationToken);
    }

    public Task<OutboxMessage?> StatusChangedAsync(Ticket ticket, CancellationToken cancellationToken)
    {
        var language = ticket.Requester.Language;
        var body = NotificationTexts.Format("Status_" + ticket.Status, language, numbers.Format(ticket.Id), ticket.Title, desk.Value.Name);
        var kind = ticket.Status == TicketStatus.Resolved ? MessageKind.ResolutionNotification : MessageKind.StatusNotification;
        return AutomaticAsync(ticket, kind, body, NotificationTexts.Format("SubjectUpdate", language, ticket.Title), via: null, cancellationToken);
    }

    public Task<OutboxMessage?> ReopenedAsync(Ticket ticket, Conversation? via, CancellationToken cancellationToken)
    {
        var language = ticket.Requester.Language;
        var body = NotificationTexts.Format("Reopened", language, numbers.Format(ticket.Id), ticket.Title);
        return AutomaticAsync(ticket, MessageKind.StatusNotification, body, NotificationTexts.Format("SubjectUpdate", language, ticket.Title), via, cancellationToken);
    }

    public Task<OutboxMessage?> FollowUpOpenedAsync(Ticket ticket, long previousTicketId, Conversation? via, CancellationToken cancellationToken)
    {
        var language = ticket.Requester.Language;
        var body = NotificationTexts.Format("LinkedTicket", language, numbers.Format(previousTicketId), numbers.Format(ticket.Id));
        return AutomaticAsync(ticket, MessageKind.Acknowledgement, body, NotificationTexts.Format("SubjectNew", language, ticket.Title), via, cancellationToken);
    }

    /// <summary>The requester's ticket was a duplicate and now continues on another one.</summary>
    public Task<OutboxMessage?> MergedAsync(Ticket duplicate, long survivorId, CancellationToken cancellationToken)
    {
        var language = duplicate.Requester.Language;
        var body = NotificationTexts.Format("Merged", language, numbers.Format(duplicate.Id), duplicate.Title, numbers.Format(survivorId));
        return AutomaticAsync(duplicate, MessageKind.StatusNotification, body, NotificationTexts.Format("SubjectUpdate", language, duplicate.Title), via: null, cancellationToken);
    }

    /// <summary>An agent's public reply, delivered as written under a short header naming the agent.</summary>
    public Task<OutboxMessage?> AgentReplyAsync(Ticket ticket, string agentName, string text, CancellationToken cancellationToken)
    {
        var language = ticket.Requester.Language;
        var header = NotificationTexts.Format("AgentReplyHeader", language, agentName, desk.Value.Name, numbers.Format(ticket.Id));
        return QueueAsync(ticket, MessageKind.AgentReply, header + "\n\n" + text, NotificationTexts.Format("SubjectUpdate", language, ticket.Title), via: null, cancellationToken, agentName);
    }

    /// <summary>
    /// A message in a live conversation (an agent's words, the desk announcing a handoff), on that
    /// conversation's channel and nowhere else: the person is in that chat right now.
    /// </summary>
    /// <param name="contact">The conversation's contact, with its identities.</param>
    /// <returns>The outbox row, or null when that channel cannot reach the contact any more (recorded on the ticket).</returns>
    public OutboxMessage? ToConversation(Ticket ticket, Conversation conversation, Contact contact, MessageKind kind, string body, string? author)
    {
        var identity = contact.IdentityOn(conversation.Channel);
        var reachable = identity is not null
            && channels.CanSend(conversation.Channel)
            && !(conversation.Channel == Channel.Sms && contact.SmsOptedOut)
            && !(conversation.Channel == Channel.Teams && conversation.ReplyHandle is null);
        if (!reachable)
        {
            ticket.Record(TicketEventKind.DeliveryFailed, "system", time.GetUtcNow(), $"{conversation.Channel} conversation no longer reaches the requester");
            return null;
        }

        var subject = NotificationTexts.Format("SubjectUpdate", contact.Language, ticket.Title);
        return Enqueue(ticket, kind, body, subject, (conversation.Channel, identity!.Address, conversation.Id), author);
    }

    /// <summary>
    /// An automatic notice whose words depend on the channel that carries it (a reminder says how to answer there):
    /// routed first, then composed for that channel. Null when suppressed or when no channel reaches the requester.
    /// </summary>
    public async Task<OutboxMessage?> AutomaticForChannelAsync(Ticket ticket, MessageKind kind, Func<Channel, (string Body, string Subject)> compose, CancellationToken cancellationToken)
    {
        if (ticket.AutomaticNoticesSuppressed)
        {
            return null;
        }

        var route = await RouteOrRecordFailureAsync(ticket, via: null, cancellationToken);
        if (route is null)
        {
            return null;
        }

        var (body, subject) = compose(route.Value.Channel);
        return Enqueue(ticket, kind, body, subject, route.Value, author: null);
    }

    /// <summary>
    /// A notice the desk sends on its own (not a person's words): none to a requester that is a program or a list,
    /// whose mail said it wants no answers (<see cref="Ticket.AutomaticNoticesSuppressed"/>, recorded on the ticket when set).
    /// </summary>
    private Task<OutboxMessage?> AutomaticAsync(Ticket ticket, MessageKind kind, string body, string subject, Conversation? via, CancellationToken cancellationToken) =>
        ticket.AutomaticNoticesSuppressed
            ? Task.FromResult<OutboxMessage?>(null)
            : QueueAsync(ticket, kind, body, subject, via, cancellationToken);

    private async Task<OutboxMessage?> QueueAsync(Ticket ticket, MessageKind kind, string body, string subject, Conversation? via, CancellationToken cancellationToken, string? author = null)
    {
        var route = await RouteOrRecordFailureAsync(ticket, via, cancellationToken);
        return route is null ? null : Enqueue(ticket, kind, body, subject, route.Value, author);
    }

    /// <summary>The route to the requester, or null with the failure recorded on the ticket's timeline.</summary>
    private async Task<(Channel Channel, string Recipient, long? ConversationId)?> RouteOrRecordFailureAsync(Ticket ticket, Conversation? via, CancellationToken cancellationToken)
    {
        var route = await RouteAsync(ticket, via, cancellationToken);
        if (route is null)
        {
            ticket.Record(TicketEventKind.DeliveryFailed, "system", time.GetUtcNow(), "no reachable channel for the requester");
        }

        return route;
    }

    private OutboxMessage Enqueue(Ticket ticket, MessageKind kind, string body, string subject, (Channel Channel, string Recipient, long? ConversationId) route, string? author)
    {
        var now = time.GetUtcNow();
        var message = new Message
        {
            Channel = route.Channel,
            Direction = MessageDirection.Outbound,
            Visibility = MessageVisibility.Public,
            Kind = kind,
            Subject = subject,
            Body = body,
            Author = author ?? desk.Value.Name,
            Recipient = route.Recipient,
            ConversationId = route.ConversationId,
            DeliveryState = DeliveryState.Queued,
            CreatedAt = now,
        };
        ticket.Messages.Add(message);
        var outbox = new OutboxMessage
        {
            Message = message,
            DeliveryKey = Guid.NewGuid(),
            State = OutboxState.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.Outbox.Add(outbox);
        return outbox;
    }

    private async Task<(Channel Channel, string Recipient, long? ConversationId)?> RouteAsync(Ticket ticket, Conversation? via, CancellationToken cancellationToken)
    {
        var contact = ticket.Requester;
        Channel[] preference = [ticket.OriginChannel, Channel.Email, Channel.Teams, Channel.Sms];
        foreach (var channel in preference.Distinct())
        {
            // A channel the desk has no sender for would only fail later: the next one reaches the requester now.
            if (!channels.CanSend(channel) || contact.IdentityOn(channel) is not { } identity || (channel == Channel.Sms && contact.SmsOptedOut))
            {
                continue;
            }

            var conversation = via is not null && via.Channel == channel && via.ContactId == contact.Id
                ? via
                : await ConversationForAsync(contact, channel, ticket.Id, cancellationToken);

            // Teams can only message a user proactively through a conversation reference the bot has seen.
            if (channel == Channel.Teams && conversation?.ReplyHandle is null)
            {
                continue;
            }

            return (channel, identity.Address, conversation?.Id);
        }

        return null;
    }

    private Task<Conversation?> ConversationForAsync(Contact contact, Channel channel, long ticketId, CancellationToken cancellationToken) =>
        db.Conversations
            .Where(c => c.ContactId == contact.Id && c.Channel == channel)
            .OrderByDescending(c => c.CurrentTicketId == ticketId)
            .ThenByDescending(c => c.LastActivityAt)
            .FirstOrDefaultAsync(cancellationToken);
}
