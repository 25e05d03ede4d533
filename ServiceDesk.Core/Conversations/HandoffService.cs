using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Conversations;

/// <summary>An agent acting on a conversation: their account id and the name users and the audit trail see.</summary>
public sealed record AgentRef(string Id, string Name)
{
    public string Actor => $"agent:{Name}";
}

public enum TakeOverOutcome
{
    TakenOver,

    /// <summary>The agent already held it (a second click): nothing changed.</summary>
    AlreadyYours,

    /// <summary>Another agent got there first.</summary>
    HeldByAnother,
    NotFound,
}

/// <param name="Holder">The agent who holds the conversation now.</param>
public sealed record TakeOverResult(TakeOverOutcome Outcome, string? Holder);

/// <summary>
/// Moves live conversations between the bot and people: queued for an agent, taken over (exactly one
/// agent wins), the agent's words delivered on the user's channel, handed back to the bot, and sent
/// back to the queue when the agent goes quiet. Everything the user is told goes through the outbox
/// in the same transaction as the change.
/// </summary>
public sealed partial class HandoffService(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    Notifier notifier,
    IOutboxScheduler scheduler,
    IDeskEvents events,
    TicketNumber numbers,
    Intake.IntakeService intake,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    ILogger<HandoffService> logger)
{
    private const int IdleBatchSize = 100;

    /// <summary>How far back a conversation's unfiled messages go on the ticket a take-over opens (as when the user asks for a person).</summary>
    private static readonly TimeSpan TranscriptWindow = TimeSpan.FromHours(24);

    /// <summary>The user asked for a person: the bot goes quiet and the conversation waits in the agents' queue.</summary>
    /// <returns>False when the conversation does not exist or is already waiting or with an agent.</returns>
    public async Task<bool> RequestAgentAsync(long conversationId, CancellationToken cancellationToken)
    {
        var queued = await transaction.RunAsync(
            async ct =>
            {
                var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, ct);
                if (conversation is null || conversation.Mode != ConversationMode.Bot)
                {
                    return false;
                }

                var now = time.GetUtcNow();
                Queue(conversation, now);
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        if (queued)
        {
            await events.ConversationChangedAsync(conversationId, ConversationMode.WaitingForAgent, cancellationToken);
        }

        return queued;
    }

    /// <summary>
    /// The agent takes the conversation: the bot goes silent and the user is told, in their language,
    /// that a person has joined. Of agents taking the same conversation at once exactly one wins: the
    /// conversation's version is a concurrency token, the losers' saves are refused and, on the retry,
    /// they find it held.
    /// </summary>
    public async Task<TakeOverResult> TakeOverAsync(long conversationId, AgentRef agent, CancellationToken cancellationToken)
    {
        var queued = new List<OutboxMessage>();
        var result = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var conversation = await LoadAsync(conversationId, ct);
                if (conversation is null)
                {
                    return new TakeOverResult(TakeOverOutcome.NotFound, null);
                }

                if (conversation.Mode == ConversationMode.Agent)
                {
                    return conversation.AgentId == agent.Id
                        ? new TakeOverResult(TakeOverOutcome.AlreadyYours, conversation.AgentName)
                        : new TakeOverResult(TakeOverOutcome.HeldByAnother, conversation.AgentName);
                }

                var now = time.GetUtcNow();
                var handoff = await OpenHandoffAsync(conversation.Id, ct) ?? NewHandoff(conversation, requested: false, now);
                handoff.TakenAt = now;
                handoff.AgentId = agent.Id;
                handoff.AgentName = agent.Name;

                conversation.Mode = ConversationMode.Agent;
                conversation.AgentId = agent.Id;
                conversation.AgentName = agent.Name;
                conversation.AgentActiveAt = now;
                conversation.WaitingSince = null;
                conversation.Version++;

                // A conversation taken straight from the bot may have no ticket yet; the agent's words need one.
                var ticket = await CurrentTicketAsync(conversation, ct) ?? await OpenTicketAsync(conversation, agent, now, ct);
                handoff.TicketId ??= ticket.Id;
                ticket.Record(TicketEventKind.AgentTookOver, agent.Actor, now, $"{conversation.Channel} conversation");
                var text = NotificationTexts.Format("AgentJoined", conversation.Contact.Language, agent.Name, desk.Value.Name);
                if (notifier.ToConversation(ticket, conversation, conversation.Contact, MessageKind.BotReply, text, author: null) is { } notice)
                {
                    queued.Add(notice);
                }

                await db.SaveChangesAsync(ct);
                return new TakeOverResult(TakeOverOutcome.TakenOver, agent.Name);
            },
            cancellationToken);

        ScheduleAll(queued);
        if (result.Outcome == TakeOverOutcome.TakenOver)
        {
            LogTakenOver(conversationId, agent.Name);
            await events.ConversationChangedAsync(conversationId, ConversationMode.Agent, cancellationToken);
            await RaiseMessagesAsync(queued, cancellationToken);
        }

        return result;
    }

    /// <summary>What the holding agent writes, delivered on the conversation's channel through the outbox.</summary>
    /// <exception cref="DomainRuleException">The agent does not hold the conversation, or the channel cannot reach the user.</exception>
    public async Task<Message> SendAsync(long conversationId, AgentRef agent, string text, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var queued = new List<OutboxMessage>();
        var message = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var conversation = await LoadAsync(conversationId, ct) ?? throw NotHolder();
                if (conversation.Mode != ConversationMode.Agent || conversation.AgentId != agent.Id)
                {
                    throw NotHolder();
                }

                var ticket = await CurrentTicketAsync(conversation, ct)
                    ?? throw new DomainRuleException("no_ticket", "The conversation has no ticket to reply on.");
                var now = time.GetUtcNow();
                ticket.RecordPublicReply(agent.Actor, now);

                // Chat is live: the words as typed. A mail thread gets the usual header naming agent and ticket.
                var body = conversation.Channel == Channel.Email
                    ? NotificationTexts.Format("AgentReplyHeader", conversation.Contact.Language, agent.Name, desk.Value.Name, numbers.Format(ticket.Id)) + "\n\n" + text
                    : text;
                var notice = notifier.ToConversation(ticket, conversation, conversation.Contact, MessageKind.AgentReply, body, agent.Name)
                    ?? throw new DomainRuleException("requester_unreachable", $"The {conversation.Channel} conversation can no longer reach the user.");
                queued.Add(notice);
                conversation.AgentActiveAt = now;
                conversation.LastActivityAt = now;
                await db.SaveChangesAsync(ct);
                return notice.Message;
            },
            cancellationToken);

        ScheduleAll(queued);
        await RaiseMessagesAsync(queued, cancellationToken);
        return message;
    }

    /// <summary>
    /// The bot takes over again and tells the user so. The holder hands back; <paramref name="overrideHolder"/>
    /// (an admin) may release someone else's conversation. A conversation waiting in the queue may be
    /// handed back by any agent (the request is dismissed).
    /// </summary>
    /// <returns>False when there was nothing to hand back.</returns>
    /// <exception cref="DomainRuleException">Another agent holds the conversation.</exception>
    public async Task<bool> HandBackAsync(long conversationId, AgentRef agent, bool overrideHolder, CancellationToken cancellationToken)
    {
        var queued = new List<OutboxMessage>();
        var handedBack = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var conversation = await LoadAsync(conversationId, ct);
                if (conversation is null || conversation.Mode == ConversationMode.Bot)
                {
                    return false;
                }

                if (conversation.Mode == ConversationMode.Agent && conversation.AgentId != agent.Id && !overrideHolder)
                {
                    throw new DomainRuleException("held_by_another", $"{conversation.AgentName} holds this conversation.");
                }

                var now = time.GetUtcNow();
                if (await OpenHandoffAsync(conversation.Id, ct) is { } handoff)
                {
                    handoff.EndedAt = now;
                    handoff.EndReason = HandoffEnd.HandedBack;
                }

                conversation.Mode = ConversationMode.Bot;
                conversation.AgentId = null;
                conversation.AgentName = null;
                conversation.AgentActiveAt = null;
                conversation.WaitingSince = null;

                // The bot starts afresh: whatever it was asking before the person took over is stale now.
                conversation.DialogState = null;
                conversation.Version++;

                if (await CurrentTicketAsync(conversation, ct) is { } ticket)
                {
                    ticket.Record(TicketEventKind.HandedBackToBot, agent.Actor, now, null);
                    var text = NotificationTexts.Format("AgentHandedBack", conversation.Contact.Language, agent.Name, desk.Value.Name);
                    if (notifier.ToConversation(ticket, conversation, conversation.Contact, MessageKind.BotReply, text, author: null) is { } notice)
                    {
                        queued.Add(notice);
                    }
                }

                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);

        ScheduleAll(queued);
        if (handedBack)
        {
            await events.ConversationChangedAsync(conversationId, ConversationMode.Bot, cancellationToken);
            await RaiseMessagesAsync(queued, cancellationToken);
        }

        return handedBack;
    }

    /// <summary>The holding agent is typing: counts as activity, so the conversation is not returned to the queue.</summary>
    /// <returns>The conversation's channel and reply handle when the agent holds it; null otherwise.</returns>
    public async Task<(Channel Channel, string? ReplyHandle)?> AgentTypingAsync(long conversationId, AgentRef agent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        using var turn = db.Provider == DatabaseProvider.Sqlite ? await transaction.Gate.EnterAsync(cancellationToken) : null;
        var touched = await db.Conversations
            .Where(c => c.Id == conversationId && c.Mode == ConversationMode.Agent && c.AgentId == agent.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.AgentActiveAt, now), cancellationToken);
        if (touched == 0)
        {
            return null;
        }

        var found = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId)
            .Select(c => new { c.Channel, c.ReplyHandle })
            .SingleAsync(cancellationToken);
        return (found.Channel, found.ReplyHandle);
    }

    /// <summary>Conversations whose agent has been silent longer than <paramref name="idleAfter"/> go back to the queue; the user is told.</summary>
    /// <returns>How many conversations went back.</returns>
    public async Task<int> ReturnIdleToQueueAsync(TimeSpan idleAfter, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - idleAfter;
        var idle = await db.Conversations.AsNoTracking()
            .Where(c => c.Mode == ConversationMode.Agent && c.AgentActiveAt < cutoff)
            .OrderBy(c => c.AgentActiveAt)
            .Select(c => c.Id)
            .Take(IdleBatchSize)
            .ToListAsync(cancellationToken);
        var returned = 0;
        foreach (var id in idle)
        {
            if (await ReturnToQueueAsync(id, cutoff, cancellationToken))
            {
                returned++;
            }
        }

        return returned;
    }

    private async Task<bool> ReturnToQueueAsync(long conversationId, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var queued = new List<OutboxMessage>();
        string? agentName = null;
        var returned = await transaction.RunAsync(
            async ct =>
            {
                queued.Clear();
                var conversation = await LoadAsync(conversationId, ct);

                // Checked again inside the transaction: the agent may have written since the query.
                if (conversation is null || conversation.Mode != ConversationMode.Agent || !(conversation.AgentActiveAt < cutoff))
                {
                    return false;
                }

                var now = time.GetUtcNow();
                agentName = conversation.AgentName;
                if (await OpenHandoffAsync(conversation.Id, ct) is { } handoff)
                {
                    handoff.EndedAt = now;
                    handoff.EndReason = HandoffEnd.ReturnedToQueue;
                }

                conversation.AgentId = null;
                conversation.AgentName = null;
                conversation.AgentActiveAt = null;
                Queue(conversation, now);

                if (await CurrentTicketAsync(conversation, ct) is { } ticket)
                {
                    ticket.Record(TicketEventKind.ReturnedToQueue, "system", now, $"{agentName} idle");
                    var text = NotificationTexts.Format("AgentIdleRequeued", conversation.Contact.Language, desk.Value.Name);
                    if (notifier.ToConversation(ticket, conversation, conversation.Contact, MessageKind.BotReply, text, author: null) is { } notice)
                    {
                        queued.Add(notice);
                    }
                }

                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);

        ScheduleAll(queued);
        if (returned)
        {
            LogReturnedToQueue(conversationId, agentName);
            await events.ConversationChangedAsync(conversationId, ConversationMode.WaitingForAgent, cancellationToken);
            await RaiseMessagesAsync(queued, cancellationToken);
        }

        return returned;
    }

    /// <summary>
    /// Puts the conversation in the queue and opens the handoff record its wait is measured on. Public for a caller
    /// that queues inside its own transaction (the bot's turn): it saves, then raises
    /// <see cref="IDeskEvents.ConversationChangedAsync"/> once committed.
    /// </summary>
    public void Queue(Conversation conversation, DateTimeOffset now)
    {
        conversation.Mode = ConversationMode.WaitingForAgent;
        conversation.WaitingSince = now;
        conversation.Version++;
        NewHandoff(conversation, requested: true, now);
    }

    private Handoff NewHandoff(Conversation conversation, bool requested, DateTimeOffset now)
    {
        var handoff = new Handoff
        {
            ConversationId = conversation.Id,
            TicketId = conversation.CurrentTicketId,
            Channel = conversation.Channel,
            Requested = requested,
            RequestedAt = now,
        };
        db.Handoffs.Add(handoff);
        return handoff;
    }

    /// <summary>
    /// Opens the ticket of a conversation taken over before it had one, and files on it what the user said
    /// (and the bot answered) in the last day, so the agent's reply lands in context.
    /// </summary>
    private async Task<Ticket> OpenTicketAsync(Conversation conversation, AgentRef agent, DateTimeOffset now, CancellationToken ct)
    {
        var since = now - TranscriptWindow;
        var firstUnfiled = await db.Messages
            .Where(m => m.ConversationId == conversation.Id && m.TicketId == null && m.CreatedAt >= since)
            .OrderBy(m => m.Id)
            .Select(m => (long?)m.Id)
            .FirstOrDefaultAsync(ct);
        var language = conversation.Contact.Language;
        return await intake.OpenForConversationAsync(
            conversation,
            conversation.Contact,
            new Intake.ConversationTicket(
                NotificationTexts.Format("TakeOver_TicketDescription", language, conversation.Channel, agent.Name),
                Priorities.Impact.Medium,
                Priorities.Urgency.Medium,
                ServiceCode: null,
                FileMessagesFrom: firstUnfiled,
                Title: NotificationTexts.Format("TakeOver_TicketTitle", language, conversation.Contact.DisplayName)),
            ct);
    }

    private Task<Handoff?> OpenHandoffAsync(long conversationId, CancellationToken ct) =>
        db.Handoffs.Where(h => h.ConversationId == conversationId && h.EndedAt == null).OrderByDescending(h => h.Id).FirstOrDefaultAsync(ct);

    private Task<Conversation?> LoadAsync(long conversationId, CancellationToken ct) =>
        db.Conversations.Include(c => c.Contact).ThenInclude(c => c.Identities).FirstOrDefaultAsync(c => c.Id == conversationId, ct);

    private async Task<Ticket?> CurrentTicketAsync(Conversation conversation, CancellationToken ct) =>
        conversation.CurrentTicketId is { } id ? await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, ct) : null;

    private void ScheduleAll(List<OutboxMessage> queued)
    {
        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }
    }

    private async Task RaiseMessagesAsync(List<OutboxMessage> queued, CancellationToken cancellationToken)
    {
        foreach (var row in queued)
        {
            await events.MessageAddedAsync(row.Message.TicketId ?? 0, row.Message.ConversationId, row.Message.Id, cancellationToken);
        }
    }

    private static DomainRuleException NotHolder() =>
        new("not_holder", "Take the conversation over before writing in it.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId} taken over by {Agent}")]
    private partial void LogTakenOver(long conversationId, string agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId} returned to the queue: {Agent} was idle")]
    private partial void LogReturnedToQueue(long conversationId, string? agent);
}
