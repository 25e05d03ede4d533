namespace ServiceDesk.Core.Tickets;

public enum TicketEventKind
{
    Created,
    MessageReceived,
    StatusChanged,
    PriorityChanged,
    ServiceChanged,
    GroupChanged,
    AssigneeChanged,
    PublicReply,
    InternalNote,
    Reopened,
    LinkedTicketCreated,
    FirstResponse,
    FirstResponseBreached,
    ResolutionBreached,
    NotificationQueued,
    NotificationSent,
    DeliveryFailed,
    DeliveryUnconfirmed,
    ContactUnreachable,
    MessageEdited,
    MessageDeleted,
    AutoClosed,

    /// <summary>An automatic answer (out-of-office) arrived; the ticket's status was left as it was.</summary>
    AutoReplyReceived,

    /// <summary>A message from the desk bounced.</summary>
    BounceReceived,
}

/// <summary>One entry of a ticket's audit timeline: what changed, who did it, when.</summary>
public sealed class TicketEvent
{
    public long Id { get; set; }

    public long TicketId { get; set; }

    public TicketEventKind Kind { get; set; }

    /// <summary><c>system</c>, <c>bot</c>, <c>agent:{name}</c>, <c>contact:{id}</c> or <c>api:{key name}</c>.</summary>
    public required string Actor { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Short, language-neutral detail such as <c>Open → Pending</c>.</summary>
    public string? Detail { get; set; }
}
