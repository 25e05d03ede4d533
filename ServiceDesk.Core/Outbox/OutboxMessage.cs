using ServiceDesk.Core.Messages;

namespace ServiceDesk.Core.Outbox;

public enum OutboxState
{
    /// <summary>Waiting to be sent (first try, or a retry after <see cref="OutboxMessage.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>Claimed by a delivery job that is talking to the channel right now.</summary>
    Sending,
    Sent,

    /// <summary>The channel refused it for good, or retries ran out.</summary>
    Failed,

    /// <summary>A delivery job died mid-send: it may have reached the user, so it is not sent again automatically.</summary>
    Unconfirmed,
}

/// <summary>
/// The delivery work item for one outbound <see cref="Messages.Message"/>, written in the same
/// transaction as the change that caused it.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public long MessageId { get; set; }

    public Message Message { get; set; } = null!;

    /// <summary>Stable across retries; channels pass it on where the peer can de-duplicate.</summary>
    public Guid DeliveryKey { get; set; }

    public OutboxState State { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>
    /// The channel's own rendering of the message, made when it was first sent inline and failed (a bot's answer
    /// as the card the user should have seen, addressed to the conversation it answers); sent as is instead of
    /// being rendered again from the body. Null for messages the outbox renders itself.
    /// </summary>
    public string? Payload { get; set; }
}
