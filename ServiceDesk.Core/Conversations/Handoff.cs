namespace ServiceDesk.Core.Conversations;

/// <summary>How an agent's hold on a conversation ended.</summary>
public enum HandoffEnd
{
    /// <summary>The agent handed the conversation back to the bot.</summary>
    HandedBack,

    /// <summary>The agent went quiet for too long: the conversation went back to the queue.</summary>
    ReturnedToQueue,
}

/// <summary>
/// One stretch of a conversation with a person: asked for (or an agent stepped in), taken, ended.
/// Kept for the record and for the service-desk figures (handoff rate, wait for an agent).
/// </summary>
public sealed class Handoff
{
    public long Id { get; set; }

    public long ConversationId { get; set; }

    /// <summary>The ticket the conversation was on when the handoff started.</summary>
    public long? TicketId { get; set; }

    public Channel Channel { get; set; }

    /// <summary>The user asked for a person (or was put back in the queue); false when an agent stepped in unasked.</summary>
    public bool Requested { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? TakenAt { get; set; }

    public string? AgentId { get; set; }

    public string? AgentName { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public HandoffEnd? EndReason { get; set; }
}
