namespace ServiceDesk.Core.Tickets;

public enum TicketType
{
    Incident,
    ServiceRequest,
}

public enum TicketStatus
{
    New,
    Open,

    /// <summary>Waiting for the requester; the resolution clock is paused.</summary>
    Pending,
    Resolved,
    Closed,
}

/// <summary>The status lifecycle: which moves an agent or integration may make.</summary>
public static class TicketLifecycle
{
    private static readonly Dictionary<TicketStatus, TicketStatus[]> Allowed = new()
    {
        // A ticket may be resolved straight from New: first-contact resolution.
        [TicketStatus.New] = [TicketStatus.Open, TicketStatus.Pending, TicketStatus.Resolved],
        [TicketStatus.Open] = [TicketStatus.Pending, TicketStatus.Resolved],
        [TicketStatus.Pending] = [TicketStatus.Open, TicketStatus.Resolved],
        [TicketStatus.Resolved] = [TicketStatus.Open, TicketStatus.Closed],

        // Closed is final for agents; only the requester's reply within the reopen window brings it back.
        [TicketStatus.Closed] = [],
    };

    public static bool CanMove(TicketStatus from, TicketStatus to) => Allowed[from].Contains(to);

    public static IReadOnlyList<TicketStatus> NextFrom(TicketStatus from) => Allowed[from];

    public static bool IsActive(TicketStatus status) => status is not (TicketStatus.Resolved or TicketStatus.Closed);
}
