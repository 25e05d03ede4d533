using ServiceDesk.Core.Messages;

namespace ServiceDesk.Core.Outbox;

/// <summary>Delivers outbound messages on one channel (Teams proactive message, SMTP reply, Twilio SMS).</summary>
public interface IChannelSender
{
    Channel Channel { get; }

    /// <summary>
    /// Sends one message. Return <see cref="DeliveryResult.Transient"/> only when the message certainly
    /// did not go out (a refused connection, a 429 or 5xx answer): it will be sent again. When it may have
    /// gone out (a timeout or a dropped connection after the request reached the peer) return
    /// <see cref="DeliveryResult.Unconfirmed"/>: it is not sent again (<see cref="TransportFailure"/> tells the two apart).
    /// </summary>
    Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}

/// <summary>Everything a channel needs to deliver one message to a requester.</summary>
/// <remarks>A message outside any ticket (a chat bot's answer to a greeting) has <c>TicketId</c> 0 and an empty <c>TicketNumber</c>.</remarks>
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
    IReadOnlyList<string> ThreadExternalIds)
{
    /// <summary>The channel's own rendering, prepared when the message was first sent (see <see cref="OutboxMessage.Payload"/>).</summary>
    public string? Payload { get; init; }
}

public enum DeliveryOutcome
{
    Sent,
    Transient,
    Permanent,

    /// <summary>It may or may not have reached the recipient: never sent again automatically.</summary>
    Unconfirmed,
}

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? ExternalId, string? Error, TimeSpan? RetryAfter, bool RecipientUnreachable)
{
    public static DeliveryResult Sent(string? externalId) => new(DeliveryOutcome.Sent, externalId, null, null, false);

    public static DeliveryResult Transient(string error, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Transient, null, error, retryAfter, false);

    /// <param name="recipientUnreachable">The address itself is dead (bounced, blocked, opted out): stop using it.</param>
    public static DeliveryResult Permanent(string error, bool recipientUnreachable = false) => new(DeliveryOutcome.Permanent, null, error, null, recipientUnreachable);

    /// <summary>The attempt failed after the peer may have taken the message (a timeout waiting for the answer, a connection reset mid-response).</summary>
    public static DeliveryResult Unconfirmed(string error) => new(DeliveryOutcome.Unconfirmed, null, error, null, false);
}

/// <summary>Hands an outbox row to the background job system; the host implements it with Hangfire.</summary>
public interface IOutboxScheduler
{
    void Schedule(long outboxId, DateTimeOffset? notBefore = null);
}
