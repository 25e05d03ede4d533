using ServiceDesk.Core.Messages;

namespace ServiceDesk.Core.Outbox;

/// <summary>Delivers outbound messages on one channel (Teams proactive message, SMTP reply, Twilio SMS).</summary>
public interface IChannelSender
{
    Channel Channel { get; }

    /// <summary>
    /// Sends one message. Return <see cref="DeliveryResult.Transient"/> only when the message certainly
    /// did not go out (a refused connection, a 429 or 5xx answer): it will be sent again.
    /// </summary>
    Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}

/// <summary>Everything a channel needs to deliver one message to a requester.</summary>
public sealed record OutboundMessage(
    Guid DeliveryKey,
    long MessageId,
    long TicketId,
    string TicketNumber,
    string Recipient,
    string? Subject,
    string Body,
    MessageKind Kind,
    string Language,
    string? ReplyHandle,
    IReadOnlyList<string> ThreadExternalIds);

public enum DeliveryOutcome
{
    Sent,
    Transient,
    Permanent,
}

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? ExternalId, string? Error, TimeSpan? RetryAfter, bool RecipientUnreachable)
{
    public static DeliveryResult Sent(string? externalId) => new(DeliveryOutcome.Sent, externalId, null, null, false);

    public static DeliveryResult Transient(string error, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Transient, null, error, retryAfter, false);

    /// <param name="recipientUnreachable">The address itself is dead (bounced, blocked, opted out): stop using it.</param>
    public static DeliveryResult Permanent(string error, bool recipientUnreachable = false) => new(DeliveryOutcome.Permanent, null, error, null, recipientUnreachable);
}

/// <summary>Hands an outbox row to the background job system; the host implements it with Hangfire.</summary>
public interface IOutboxScheduler
{
    void Schedule(long outboxId, DateTimeOffset? notBefore = null);
}
