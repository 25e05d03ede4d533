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

    /// <summary>This ticket was a duplicate and was closed into another (detail: the surviving ticket).</summary>
    MergedInto,

    /// <summary>A duplicate was merged into this ticket (detail: the duplicate).</summary>
    DuplicateMerged,
    ProblemLinked,
    ProblemUnlinked,
    AgentTookOver,
    HandedBackToBot,
    ReturnedToQueue,

    /// <summary>The requester texted STOP (or the carrier reported an opt-out): no SMS reaches them.</summary>
    ContactOptedOut,

    /// <summary>The requester texted START after opting out.</summary>
    ContactOptedIn,

    /// <summary>The requester confirmed the resolution; the ticket is closed.</summary>
    ResolutionConfirmed,

    /// <summary>The requester said the resolution did not solve it; the ticket is reopened.</summary>
    ResolutionRejected,

    /// <summary>A knowledge article the bot offered solved it (detail: the article's slug).</summary>
    SelfServiceResolved,

    /// <summary>The requester asked the bot for a person; the conversation waits in the agents' queue.</summary>
    AgentRequested,

    /// <summary>A CSAT answer (detail: <c>4/5</c>).</summary>
    SatisfactionRated,

    SatisfactionCommented,

    /// <summary>An automatic answer (out-of-office) arrived; the ticket's status was left as it was.</summary>
    AutoReplyReceived,

    /// <summary>A message from the desk bounced.</summary>
    BounceReceived,

    /// <summary>The requester is a program or a list: the desk sends it no automatic notices (detail: why).</summary>
    AutomaticNoticesSuppressed,

    /// <summary>The requester wrote in person: automatic notices go out again.</summary>
    AutomaticNoticesResumed,

    /// <summary>Most of the first-response target is used up (<c>Sla:WarningThreshold</c>); detail: when it is due.</summary>
    FirstResponseAtRisk,

    /// <summary>Most of the resolution target is used up; detail: when it is due.</summary>
    ResolutionAtRisk,

    /// <summary>The resolution target was breached in a first-line group: the ticket moved to second line (detail: from → to).</summary>
    EscalatedOnBreach,

    /// <summary>Agents were told of an SLA warning or breach by e-mail (detail: the addresses).</summary>
    SlaAlertMailed,

    /// <summary>A Pending ticket's requester was reminded to answer (detail: <c>1/2 via Email</c>).</summary>
    PendingReminderSent,

    /// <summary>A reminder was due but could not go out (detail: why); the follow-up goes on.</summary>
    PendingReminderSkipped,

    /// <summary>The requester never answered a Pending ticket, even after the reminders: the desk resolved it.</summary>
    ResolvedNoResponse,
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
