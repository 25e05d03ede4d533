using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Outbox;

/// <summary>
/// Delivers one outbox row: claim it, send it through the channel, record the outcome.
/// </summary>
/// <remarks>
/// The claim is committed before the channel is called. A job that finds a row already claimed
/// by an attempt that died (claim older than <see cref="OutboxOptions.ClaimTimeout"/>) cannot know
/// whether the message went out, so it marks it Unconfirmed for an agent to check instead of
/// sending it a second time; so does a channel that failed after the message may have reached its server
/// (<see cref="DeliveryOutcome.Unconfirmed"/>). Failures the channel reports as certain (refused, 429, 5xx) are retried.
/// </remarks>
public sealed partial class OutboxDispatcher(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    IEnumerable<IChannelSender> senders,
    IOutboxScheduler scheduler,
    TicketNumber ticketNumber,
    IOptions<DeskOptions> desk,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger)
{
    private readonly OutboxOptions _options = options.Value;

    public async Task DeliverAsync(long outboxId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        DeliveryResult? result;
        bool? claimed = null;
        try
        {
            claimed = await ClaimAsync(outboxId, now, cancellationToken);
            if (claimed == false)
            {
                await ResolveUnclaimableAsync(outboxId, now, cancellationToken);
                return;
            }

            var row = await db.Outbox.AsNoTracking().Include(o => o.Message).SingleAsync(o => o.Id == outboxId, cancellationToken);
            if (ReplyOrder.Applies(row) && await ReplyOrder.MustWaitAsync(db, row, cancellationToken))
            {
                await WaitInLineAsync(row, now, cancellationToken);
                return;
            }

            result = await SendAsync(row, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && claimed != false)
        {
            // Shutting down before the channel was called: nothing can have gone out, so the row is due again
            // at once instead of waiting for the claim timeout and then being marked unconfirmed.
            if (await ReleaseAsync(outboxId, now))
            {
                LogReleased(outboxId);
            }

            throw;
        }

        // Once the channel was called the outcome is recorded even when shutting down: a short write that
        // keeps a sent message from looking interrupted.
        await RecordAsync(outboxId, result, CancellationToken.None);
    }

    /// <summary>
    /// Lets go of an answer that an earlier one of its conversation is ahead of, without counting an attempt: the earlier
    /// one's job hands over to it when done. Looked at again once let go, for the earlier one may have finished meanwhile
    /// and found this row still claimed.
    /// </summary>
    private async Task WaitInLineAsync(OutboxMessage row, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        await ReleaseAsync(row.Id, claimedAt);
        LogWaiting(row.Id, row.Message.ConversationId);
        if (!await ReplyOrder.MustWaitAsync(db, row, cancellationToken))
        {
            scheduler.Schedule(row.Id);
        }
    }

    /// <summary>Undoes this job's claim (the one stamped <paramref name="claimedAt"/>), if it was made.</summary>
    private async Task<bool> ReleaseAsync(long outboxId, DateTimeOffset claimedAt)
    {
        using var turn = db.Provider == DatabaseProvider.Sqlite ? await GateAsync(CancellationToken.None) : null;
        var released = await db.Outbox
            .Where(o => o.Id == outboxId && o.State == OutboxState.Sending && o.ClaimedAt == claimedAt)
            .ExecuteUpdateAsync(
                s => s.SetProperty(o => o.State, OutboxState.Pending)
                    .SetProperty(o => o.ClaimedAt, (DateTimeOffset?)null)
                    .SetProperty(o => o.Attempts, o => o.Attempts - 1),
                CancellationToken.None);
        return released == 1;
    }

    private async Task<bool> ClaimAsync(long outboxId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One conditional UPDATE: of two concurrent jobs for the same row, exactly one claims it.
        using var turn = db.Provider == DatabaseProvider.Sqlite ? await GateAsync(cancellationToken) : null;
        var claimed = await db.Outbox
            .Where(o => o.Id == outboxId && o.State == OutboxState.Pending && o.NextAttemptAt <= now)
            .ExecuteUpdateAsync(
                s => s.SetProperty(o => o.State, OutboxState.Sending)
                    .SetProperty(o => o.ClaimedAt, now)
                    .SetProperty(o => o.Attempts, o => o.Attempts + 1),
                cancellationToken);
        return claimed == 1;
    }

    private Task<IDisposable> GateAsync(CancellationToken cancellationToken) =>
        transaction.Gate.EnterAsync(cancellationToken);

    private async Task ResolveUnclaimableAsync(long outboxId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await db.Outbox.AsNoTracking().SingleOrDefaultAsync(o => o.Id == outboxId, cancellationToken);
        if (row is null)
        {
            LogMissing(outboxId);
            return;
        }

        if (row.State == OutboxState.Sending && row.ClaimedAt < now - _options.ClaimTimeout)
        {
            await RecordAsync(outboxId, null, cancellationToken);
        }

        // Otherwise it is sent, failed, being sent right now, or not due yet: nothing to do.
    }

    /// <summary>Sends the row's message; null when shutdown interrupted the channel's call (it may have gone out).</summary>
    private async Task<DeliveryResult?> SendAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        var message = row.Message;
        var sender = senders.FirstOrDefault(s => s.Channel == message.Channel);
        if (sender is null)
        {
            return DeliveryResult.Permanent($"The {message.Channel} channel is not configured.");
        }

        // Outside a ticket only a channel's own rendering (a bot's answer) or a notice to agents is complete.
        if (message.Recipient is null || (message.TicketId is null && row.Payload is null && message.Kind != MessageKind.InternalNotice))
        {
            return DeliveryResult.Permanent("The message has no recipient.");
        }

        // A message outside any ticket (a chat bot's answer) is about the contact the recipient address belongs to.
        var recipient = ContactIdentity.Normalize(message.Channel, message.Recipient);
        var facts = message.TicketId is { } ticketId
            ? await db.Tickets.AsNoTracking()
                .Where(t => t.Id == ticketId)
                .Select(t => new { t.Requester.Language, t.Requester.SmsOptedOut })
                .SingleAsync(cancellationToken)
            : await db.Contacts.AsNoTracking()
                .Where(c => c.Identities.Any(i => i.Channel == message.Channel && i.Address == recipient))
                .Select(c => new { c.Language, c.SmsOptedOut })
                .FirstOrDefaultAsync(cancellationToken)
                ?? new { Language = desk.Value.DefaultLanguage, SmsOptedOut = false };
        if (message.Channel == Channel.Sms && facts.SmsOptedOut)
        {
            return DeliveryResult.Permanent("The recipient has opted out of SMS.");
        }

        var replyHandle = message.ConversationId is { } conversationId
            ? await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId).Select(c => c.ReplyHandle).SingleOrDefaultAsync(cancellationToken)
            : null;
        var thread = message.TicketId is null
            ? []
            : await db.Messages.AsNoTracking()
                .Where(m => m.TicketId == message.TicketId && m.Channel == message.Channel && m.ExternalId != null && m.Id != message.Id)
                .OrderBy(m => m.Id)
                .Select(m => m.ExternalId!)
                .ToListAsync(cancellationToken);

        var outbound = new OutboundMessage(
            row.DeliveryKey,
            message.Id,
            message.TicketId ?? 0,
            message.TicketId is { } id ? ticketNumber.Format(id) : string.Empty,
            message.Recipient,
            message.Subject,
            message.Body,
            message.Kind,
            facts.Language,
            replyHandle,
            thread)
        {
            Payload = row.Payload,
        };
        try
        {
            return await sender.SendAsync(outbound, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Channels classify their own failures; one that escapes is retried only if it certainly sent nothing.
            return TransportFailure.ToResult(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private const string Interrupted = "The delivery was interrupted; it may or may not have reached the recipient.";

    /// <summary>Writes the outcome; a null result means the attempt died mid-send.</summary>
    private async Task RecordAsync(long outboxId, DeliveryResult? result, CancellationToken cancellationToken)
    {
        DateTimeOffset? retryAt = null;
        (long Id, DateTimeOffset NotBefore)? next = null;
        await transaction.RunAsync(
            async ct =>
            {
                var row = await db.Outbox.Include(o => o.Message).SingleAsync(o => o.Id == outboxId, ct);
                retryAt = await ApplyAsync(row, result ?? DeliveryResult.Unconfirmed(Interrupted), time.GetUtcNow(), ct);
                await db.SaveChangesAsync(ct);
                next = retryAt is null && ReplyOrder.Applies(row) ? await ReplyOrder.NextAsync(db, row, ct) : null;
                return 0;
            },
            cancellationToken);

        if (retryAt is { } at)
        {
            scheduler.Schedule(outboxId, at);
        }

        if (next is { } waiting)
        {
            scheduler.Schedule(waiting.Id, waiting.NotBefore);
        }
    }

    /// <summary>
    /// Takes over messages a channel tried to send inline and could not (a chat bot's answers within the user's turn,
    /// stored as sent): each gets an outbox row, in one transaction. The first was tried: its row's first attempt was that
    /// inline one, and the attempt's outcome is recorded as for any delivery. A transient failure leaves it queued for a
    /// delivery job with backoff; a refusal marks it failed (and a dead address unreachable); a send that may have gone out
    /// is unconfirmed, not sent again. The messages after it were not tried: a refusal stands for them too; any
    /// other outcome leaves them waiting in line behind the first (<see cref="ReplyOrder"/>), due when it is tried again or
    /// at once when it is done, with no attempt and no error of their own.
    /// </summary>
    /// <param name="messages">The messages in the order they were to be sent, the failed one first.</param>
    public async Task TakeOverFailedSendsAsync(IReadOnlyList<UnsentMessage> messages, DeliveryResult outcome, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var jobs = new List<(OutboxMessage Row, DateTimeOffset At)>();
        await transaction.RunAsync(
            async ct =>
            {
                jobs.Clear();
                var now = time.GetUtcNow();
                var ids = messages.Select(m => m.MessageId).ToList();
                var stored = await db.Messages.Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
                var tried = new List<OutboxMessage>();
                var waiting = new List<OutboxMessage>();
                for (var i = 0; i < messages.Count; i++)
                {
                    if (!stored.TryGetValue(messages[i].MessageId, out var message))
                    {
                        continue;
                    }

                    // Until a job sends it, the message is waiting: it was stored as sent in the hope the inline send would work.
                    message.DeliveryState = DeliveryState.Queued;
                    message.DeliveryError = null;
                    var row = new OutboxMessage
                    {
                        Message = message,
                        DeliveryKey = Guid.NewGuid(),
                        State = OutboxState.Pending,
                        CreatedAt = now,
                        NextAttemptAt = now,
                        Payload = messages[i].Payload,
                    };
                    if (i == 0 || outcome.Outcome == DeliveryOutcome.Permanent)
                    {
                        // Claimed as a delivery job claims a row, the inline send being its attempt.
                        row.State = OutboxState.Sending;
                        row.Attempts = 1;
                        row.ClaimedAt = now;
                        tried.Add(row);
                    }
                    else
                    {
                        waiting.Add(row);
                    }

                    db.Outbox.Add(row);
                }

                // Ids first: the outcome's log lines and retries name the rows.
                await db.SaveChangesAsync(ct);
                DateTimeOffset? retryAt = null;
                foreach (var row in tried)
                {
                    if (await ApplyAsync(row, outcome, now, ct) is { } at)
                    {
                        jobs.Add((row, at));
                        retryAt ??= at;
                    }
                }

                foreach (var row in waiting)
                {
                    row.NextAttemptAt = retryAt ?? now;
                    jobs.Add((row, row.NextAttemptAt));
                }

                await db.SaveChangesAsync(ct);
                return 0;
            },
            cancellationToken);

        foreach (var (row, at) in jobs)
        {
            scheduler.Schedule(row.Id, at);
        }
    }

    /// <summary>Records one attempt's outcome on a claimed row and its message; returns when to try again, if at all.</summary>
    private async Task<DateTimeOffset?> ApplyAsync(OutboxMessage row, DeliveryResult outcome, DateTimeOffset now, CancellationToken ct)
    {
        var message = row.Message;
        var ticket = message.TicketId is { } ticketId ? await db.Tickets.SingleAsync(t => t.Id == ticketId, ct) : null;
        switch (outcome)
        {
            // The channel's delivery report overtook the unanswered send (the key found the message): it went out.
            case { Outcome: DeliveryOutcome.Unconfirmed } when message.ExternalId is not null:
            case { Outcome: DeliveryOutcome.Sent }:
                row.State = OutboxState.Sent;
                row.SentAt = now;
                row.LastError = null;
                message.ExternalId = outcome.ExternalId ?? message.ExternalId;

                // A delivery report may have overtaken this answer (Twilio's callback): never step back.
                if (DeliveryTracking.Rank(message.DeliveryState) < DeliveryTracking.Rank(DeliveryState.Sent))
                {
                    message.DeliveryState = DeliveryState.Sent;
                }

                return null;
            case { Outcome: DeliveryOutcome.Unconfirmed }:
                row.State = OutboxState.Unconfirmed;
                row.LastError = outcome.Error;
                message.DeliveryState = DeliveryState.Unconfirmed;
                message.DeliveryError = outcome.Error;
                ticket?.Record(TicketEventKind.DeliveryUnconfirmed, "system", now, $"message {message.Id}: {outcome.Error}");
                LogUnconfirmed(row.Id, message.Channel, outcome.Error);
                return null;
            case { Outcome: DeliveryOutcome.Transient } when row.Attempts < _options.MaxAttempts:
                var delay = outcome.RetryAfter ?? _options.RetryDelay(row.Attempts);
                row.State = OutboxState.Pending;
                row.NextAttemptAt = now + delay;
                row.LastError = outcome.Error;
                LogRetry(row.Id, message.Channel, row.Attempts, delay, outcome.Error);
                return row.NextAttemptAt;
            default:
                row.State = OutboxState.Failed;
                row.LastError = outcome.Error;
                message.DeliveryState = DeliveryState.Failed;
                message.DeliveryError = outcome.Error;
                ticket?.Record(TicketEventKind.DeliveryFailed, "system", now, $"{message.Channel}: {outcome.Error}");
                if (outcome.RecipientUnreachable)
                {
                    await MarkUnreachableAsync(ticket, message, outcome.Error, now, ct);
                }

                LogFailed(row.Id, message.Channel, outcome.Error);
                return null;
        }
    }

    private async Task MarkUnreachableAsync(Ticket? ticket, Message message, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var address = ContactIdentity.Normalize(message.Channel, message.Recipient!);
        var identity = await db.ContactIdentities.SingleOrDefaultAsync(i => i.Channel == message.Channel && i.Address == address, cancellationToken);
        if (identity is null || identity.Unreachable)
        {
            return;
        }

        identity.Unreachable = true;
        identity.UnreachableReason = reason;
        ticket?.Record(TicketEventKind.ContactUnreachable, "system", now, $"{message.Channel} {message.Recipient}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {OutboxId} released: delivery stopped by shutdown before the channel was called")]
    private partial void LogReleased(long outboxId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox row {OutboxId} waits for an earlier answer of conversation {ConversationId}")]
    private partial void LogWaiting(long outboxId, long? conversationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} no longer exists")]
    private partial void LogMissing(long outboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} on {Channel} may or may not have gone out; marked unconfirmed, not resent: {Error}")]
    private partial void LogUnconfirmed(long outboxId, Channel channel, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {OutboxId} on {Channel}: attempt {Attempts} failed, retrying in {Delay}: {Error}")]
    private partial void LogRetry(long outboxId, Channel channel, int attempts, TimeSpan delay, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} on {Channel} failed for good: {Error}")]
    private partial void LogFailed(long outboxId, Channel channel, string? error);
}

/// <summary>A message a channel could not send inline, and the channel's rendering of it (see <see cref="OutboxMessage.Payload"/>).</summary>
public sealed record UnsentMessage(long MessageId, string? Payload);
