using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Core.Tickets;

/// <summary>An incident or service request, with its lifecycle, priority and SLA clock.</summary>
public sealed class Ticket
{
    public long Id { get; set; }

    public TicketType Type { get; set; }

    public required string Title { get; set; }

    public required string Description { get; set; }

    public TicketStatus Status { get; private set; } = TicketStatus.New;

    public Impact Impact { get; private set; } = Impact.Low;

    public Urgency Urgency { get; private set; } = Urgency.Low;

    public Priority Priority { get; private set; } = Priority.P4;

    /// <summary>An agent set the priority by hand instead of from impact × urgency.</summary>
    public bool PriorityOverridden { get; private set; }

    public Channel OriginChannel { get; set; }

    public long RequesterId { get; set; }

    public Contact Requester { get; set; } = null!;

    public int? ServiceId { get; private set; }

    public Service? Service { get; private set; }

    public int? AssignmentGroupId { get; private set; }

    public AssignmentGroup? AssignmentGroup { get; private set; }

    public string? Assignee { get; private set; }

    /// <summary>The earlier ticket this one follows up, when a reply came after the reopen window.</summary>
    public long? RelatedTicketId { get; set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset FirstResponseDueAt { get; private set; }

    public DateTimeOffset ResolutionDueAt { get; private set; }

    /// <summary>When the supplier must have resolved its part, for services under an underpinning contract.</summary>
    public DateTimeOffset? SupplierDueAt { get; private set; }

    public DateTimeOffset? FirstRespondedAt { get; private set; }

    public DateTimeOffset? ResolvedAt { get; private set; }

    public DateTimeOffset? ClosedAt { get; private set; }

    /// <summary>Set while Pending: the resolution clock stops while the desk waits for the requester.</summary>
    public DateTimeOffset? SlaPausedAt { get; private set; }

    /// <summary>The clock time spent Pending so far, added back to the resolution target.</summary>
    public TimeSpan SlaPausedFor { get; private set; }

    public bool FirstResponseBreached { get; private set; }

    public bool ResolutionBreached { get; private set; }

    /// <summary>
    /// When agents are to be warned that the first-response target is at risk (<see cref="SlaOptions.WarningThreshold"/> of
    /// it used); null once they were, or once the desk has answered. Stored, not computed, so the minutely job finds due
    /// warnings with an index instead of doing business-hours arithmetic over every open ticket.
    /// </summary>
    public DateTimeOffset? FirstResponseWarningAt { get; private set; }

    /// <summary>As <see cref="FirstResponseWarningAt"/> for the resolution target; moved on by the time spent Pending, like the target.</summary>
    public DateTimeOffset? ResolutionWarningAt { get; private set; }

    /// <summary>Resolved at the first contact (by the bot's self-service or the first agent answer).</summary>
    public bool ResolvedAtFirstContact { get; private set; }

    /// <summary>Set when this ticket was a duplicate merged into another: it is closed, and new messages go to that one.</summary>
    public long? MergedIntoTicketId { get; private set; }

    /// <summary>The problem record this incident is a symptom of.</summary>
    public long? ProblemId { get; private set; }

    /// <summary>
    /// The requester is a program or a mailing list (its mail said so), so the desk sends it no automatic notices:
    /// answering machine mail is how mail loops and bounce storms start (RFC 3834). An agent's reply still goes out.
    /// </summary>
    public bool AutomaticNoticesSuppressed { get; private set; }

    /// <summary>Reminders sent in the current Pending spell (<see cref="PendingFollowUp"/>); any status change resets it.</summary>
    public int PendingRemindersSent { get; private set; }

    /// <summary>
    /// When the requester's silence last started anew: the last reminder, or an agent's public reply while Pending.
    /// The next step is measured from it (from <see cref="SlaPausedAt"/> before either).
    /// </summary>
    public DateTimeOffset? PendingReminderSentAt { get; private set; }

    public int Version { get; private set; }

    public List<TicketEvent> Events { get; private set; } = [];

    public List<Message> Messages { get; private set; } = [];

    public static Ticket Create(
        TicketType type,
        string title,
        string description,
        Contact requester,
        Channel origin,
        Impact impact,
        Urgency urgency,
        Service? service,
        string actor,
        SlaClock sla,
        DateTimeOffset now)
    {
        var ticket = new Ticket
        {
            Type = type,
            Title = Truncate(title, 200),
            Description = description,
            Requester = requester,
            OriginChannel = origin,
            Impact = impact,
            Urgency = urgency,
            Priority = PriorityMatrix.For(impact, urgency),
            CreatedAt = now,
            UpdatedAt = now,
        };
        ticket.FirstResponseDueAt = sla.FirstResponseDue(ticket.Priority, now);
        ticket.ResolutionDueAt = sla.ResolutionDue(ticket.Priority, now);
        ticket.FirstResponseWarningAt = sla.FirstResponseWarning(ticket.Priority, now);
        ticket.ResolutionWarningAt = sla.ResolutionWarning(ticket.Priority, now);
        ticket.ApplyService(service, sla, now);
        ticket.Record(TicketEventKind.Created, actor, now, $"{type} {ticket.Priority} via {origin}");
        return ticket;
    }

    /// <summary>An agent or integration moves the ticket along its lifecycle.</summary>
    public void ChangeStatus(TicketStatus to, string actor, SlaClock sla, DateTimeOffset now)
    {
        if (to == Status)
        {
            throw new DomainRuleException("status_unchanged", $"The ticket is already {Status}.");
        }

        if (!TicketLifecycle.CanMove(Status, to))
        {
            var allowed = TicketLifecycle.NextFrom(Status);
            var hint = allowed.Count == 0 ? "no further status change is possible" : "allowed: " + string.Join(", ", allowed);
            throw new DomainRuleException("invalid_transition", $"A ticket cannot move from {Status} to {to} ({hint}).");
        }

        MoveTo(to, actor, sla, now);
    }

    /// <summary>The requester wrote again. Returns false when the ticket is past its reopen window and a new ticket is due.</summary>
    public bool AcceptRequesterReply(string actor, TimeSpan reopenWindow, SlaClock sla, DateTimeOffset now)
    {
        switch (Status)
        {
            case TicketStatus.Pending:
                MoveTo(TicketStatus.Open, actor, sla, now);
                return true;
            case TicketStatus.Resolved or TicketStatus.Closed:
                if (ResolvedAt is { } resolved && now - resolved <= reopenWindow)
                {
                    MoveTo(TicketStatus.Open, actor, sla, now);
                    Record(TicketEventKind.Reopened, actor, now, "requester replied");
                    return true;
                }

                return false;
            default:
                Touch(now);
                return true;
        }
    }

    /// <summary>The requester confirmed the bot's self-service answer solved it.</summary>
    public void ResolveAtFirstContact(string actor, SlaClock sla, DateTimeOffset now)
    {
        ChangeStatus(TicketStatus.Resolved, actor, sla, now);
        ResolvedAtFirstContact = true;
    }

    /// <summary>The requester confirmed that the resolution solved it: the ticket is closed.</summary>
    public void ConfirmResolution(string actor, DateTimeOffset now)
    {
        if (Status != TicketStatus.Resolved)
        {
            throw new DomainRuleException("not_resolved", $"The ticket is {Status}; only a resolved ticket can be confirmed.");
        }

        Record(TicketEventKind.ResolutionConfirmed, actor, now, null);
        MoveTo(TicketStatus.Closed, actor, sla: null, now);
    }

    /// <summary>
    /// The requester says the resolution did not solve it: the ticket is reopened. Returns false when it
    /// is past its reopen window (a new ticket is due instead), like a reply would.
    /// </summary>
    public bool RejectResolution(string actor, TimeSpan reopenWindow, SlaClock sla, DateTimeOffset now)
    {
        if (Status is not (TicketStatus.Resolved or TicketStatus.Closed))
        {
            throw new DomainRuleException("not_resolved", $"The ticket is {Status}; only a resolved ticket can be rejected.");
        }

        if (ResolvedAt is not { } resolved || now - resolved > reopenWindow)
        {
            return false;
        }

        Record(TicketEventKind.ResolutionRejected, actor, now, null);
        MoveTo(TicketStatus.Open, actor, sla, now);
        Record(TicketEventKind.Reopened, actor, now, "requester rejected the resolution");
        return true;
    }

    public void Reprioritize(Impact impact, Urgency urgency, string actor, SlaClock sla, DateTimeOffset now)
    {
        Impact = impact;
        Urgency = urgency;
        PriorityOverridden = false;
        SetPriority(PriorityMatrix.For(impact, urgency), actor, sla, now);
    }

    public void OverridePriority(Priority priority, string actor, SlaClock sla, DateTimeOffset now)
    {
        PriorityOverridden = true;
        SetPriority(priority, actor, sla, now);
    }

    public void ChangeService(Service? service, string actor, SlaClock sla, DateTimeOffset now)
    {
        if (service?.Id == ServiceId)
        {
            return;
        }

        Record(TicketEventKind.ServiceChanged, actor, now, $"{Service?.Code ?? "-"} → {service?.Code ?? "-"}");
        ApplyService(service, sla, now);
    }

    public void AssignGroup(AssignmentGroup? group, string actor, DateTimeOffset now)
    {
        if (group?.Id == AssignmentGroupId)
        {
            return;
        }

        Record(TicketEventKind.GroupChanged, actor, now, $"{AssignmentGroup?.Name ?? "-"} → {group?.Name ?? "-"}");
        AssignmentGroup = group;
        AssignmentGroupId = group?.Id;
    }

    public void AssignTo(string? assignee, string actor, DateTimeOffset now)
    {
        assignee = string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim();
        if (assignee == Assignee)
        {
            return;
        }

        Record(TicketEventKind.AssigneeChanged, actor, now, $"{Assignee ?? "-"} → {assignee ?? "-"}");
        Assignee = assignee;
    }

    /// <summary>An agent's public reply: the first one is the first response; while Pending, it restarts the follow-up.</summary>
    public void RecordPublicReply(string actor, DateTimeOffset now)
    {
        Record(TicketEventKind.PublicReply, actor, now, null);
        if (Status == TicketStatus.Pending)
        {
            // A new question deserves the requester's full wait and all the reminders before the desk chases it.
            PendingRemindersSent = 0;
            PendingReminderSentAt = now;
        }

        if (FirstRespondedAt is null)
        {
            FirstRespondedAt = now;
            FirstResponseWarningAt = null;
            Record(TicketEventKind.FirstResponse, actor, now, now <= FirstResponseDueAt ? "within target" : "late");
        }
    }

    /// <summary>Flags targets that have passed; returns the events recorded (none when nothing new breached).</summary>
    public IReadOnlyList<TicketEventKind> CheckBreaches(DateTimeOffset now)
    {
        var found = new List<TicketEventKind>();
        if (!FirstResponseBreached && FirstRespondedAt is null && TicketLifecycle.IsActive(Status) && now > FirstResponseDueAt)
        {
            FirstResponseBreached = true;
            found.Add(TicketEventKind.FirstResponseBreached);
        }

        if (!ResolutionBreached && TicketLifecycle.IsActive(Status) && Status != TicketStatus.Pending && now > ResolutionDueAt)
        {
            ResolutionBreached = true;
            found.Add(TicketEventKind.ResolutionBreached);
        }

        foreach (var kind in found)
        {
            Record(kind, "system", now, null);
        }

        return found;
    }

    /// <summary>
    /// Records a warning for each target whose warning instant has passed while the ticket is worked (New or Open: none
    /// while Pending, the resolution clock is stopped and the desk waits for the requester), once per target: the instant
    /// is cleared. A target already breached gets no warning. Returns the events recorded.
    /// </summary>
    public IReadOnlyList<TicketEventKind> CheckWarnings(DateTimeOffset now)
    {
        var found = new List<TicketEventKind>();
        if (Status is not (TicketStatus.New or TicketStatus.Open))
        {
            return found;
        }

        if (FirstResponseWarningAt is { } firstResponse && firstResponse <= now)
        {
            FirstResponseWarningAt = null;
            if (FirstRespondedAt is null && !FirstResponseBreached && now <= FirstResponseDueAt)
            {
                found.Add(TicketEventKind.FirstResponseAtRisk);
                Record(TicketEventKind.FirstResponseAtRisk, "system", now, "due " + FirstResponseDueAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (ResolutionWarningAt is { } resolution && resolution <= now)
        {
            ResolutionWarningAt = null;
            if (!ResolutionBreached && now <= ResolutionDueAt)
            {
                found.Add(TicketEventKind.ResolutionAtRisk);
                Record(TicketEventKind.ResolutionAtRisk, "system", now, "due " + ResolutionDueAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return found;
    }

    /// <summary>The resolution target was breached in a first-line group: the ticket moves up to <paramref name="group"/>.</summary>
    public void EscalateOnBreach(AssignmentGroup group, DateTimeOffset now)
    {
        var from = AssignmentGroup?.Name ?? "-";
        AssignGroup(group, "system", now);
        Record(TicketEventKind.EscalatedOnBreach, "system", now, $"{from} → {group.Name}");
    }

    /// <summary>
    /// Closes this ticket as a duplicate of <paramref name="target"/>. Its messages move there (the caller
    /// does that); its own events stay, so the audit trail of both tickets tells what happened.
    /// </summary>
    public void MergeInto(Ticket target, string thisNumber, string targetNumber, string actor, DateTimeOffset now)
    {
        if (target.Id == Id)
        {
            throw new DomainRuleException("merge_into_itself", "A ticket cannot be merged into itself.");
        }

        if (MergedIntoTicketId is not null)
        {
            throw new DomainRuleException("already_merged", $"{thisNumber} was already merged into another ticket.");
        }

        if (target.MergedIntoTicketId is not null || target.Status == TicketStatus.Closed)
        {
            throw new DomainRuleException("merge_target_closed", $"{targetNumber} is closed; merge into an open ticket.");
        }

        MergedIntoTicketId = target.Id;
        if (Status != TicketStatus.Closed)
        {
            // Not a lifecycle move an agent could make by hand (New → Closed): a duplicate is closed, not resolved.
            var from = Status;
            Status = TicketStatus.Closed;
            ClosedAt = now;
            SlaPausedAt = null;
            Record(TicketEventKind.StatusChanged, actor, now, $"{from} → {TicketStatus.Closed}");
        }

        Record(TicketEventKind.MergedInto, actor, now, targetNumber);
        target.Record(TicketEventKind.DuplicateMerged, actor, now, thisNumber);
    }

    /// <summary>Links this incident to the problem behind it, or unlinks it (null).</summary>
    public void LinkProblem(Problems.Problem? problem, string actor, DateTimeOffset now)
    {
        if (problem is not null && Type != TicketType.Incident)
        {
            throw new DomainRuleException("not_an_incident", "Only incidents are linked to problems; a service request has no underlying fault.");
        }

        if (problem?.Id == ProblemId)
        {
            return;
        }

        if (ProblemId is { } previous)
        {
            Record(TicketEventKind.ProblemUnlinked, actor, now, Problems.Problem.NumberFor(previous));
        }

        ProblemId = problem?.Id;
        if (problem is not null)
        {
            Record(TicketEventKind.ProblemLinked, actor, now, Problems.Problem.NumberFor(problem.Id));
        }
    }

    public void AutoClose(DateTimeOffset now)
    {
        MoveTo(TicketStatus.Closed, "system", sla: null, now);
        Record(TicketEventKind.AutoClosed, "system", now, null);
    }

    /// <summary>A reminder to answer this Pending ticket was due: sent, or skipped with <paramref name="detail"/> saying why.</summary>
    public void RecordPendingReminder(bool sent, string detail, DateTimeOffset now)
    {
        if (Status != TicketStatus.Pending)
        {
            throw new DomainRuleException("not_pending", $"The ticket is {Status}; only a pending ticket gets reminders.");
        }

        PendingRemindersSent++;
        PendingReminderSentAt = now;
        Record(sent ? TicketEventKind.PendingReminderSent : TicketEventKind.PendingReminderSkipped, "system", now, detail);
    }

    /// <summary>The requester never answered, even after the reminders: resolved, so the usual reopen window applies.</summary>
    public void ResolveForNoResponse(SlaClock sla, DateTimeOffset now)
    {
        if (Status != TicketStatus.Pending)
        {
            throw new DomainRuleException("not_pending", $"The ticket is {Status}; only a pending ticket is resolved for no response.");
        }

        MoveTo(TicketStatus.Resolved, "system", sla, now);
        Record(TicketEventKind.ResolvedNoResponse, "system", now, "no response from the requester");
    }

    public TicketEvent Record(TicketEventKind kind, string actor, DateTimeOffset now, string? detail)
    {
        var entry = new TicketEvent { Kind = kind, Actor = actor, OccurredAt = now, Detail = detail };
        Events.Add(entry);
        Touch(now);
        return entry;
    }

    private void MoveTo(TicketStatus to, string actor, SlaClock? sla, DateTimeOffset now)
    {
        var from = Status;
        if (from == TicketStatus.Pending && SlaPausedAt is { } paused && sla is not null)
        {
            // Give back the working time spent waiting for the requester.
            var waited = sla.Elapsed(Priority, paused, now);
            SlaPausedFor += waited;
            ResolutionDueAt = sla.Advance(Priority, ResolutionDueAt, waited);
            if (ResolutionWarningAt is { } warning)
            {
                ResolutionWarningAt = sla.Advance(Priority, warning, waited);
            }
        }

        SlaPausedAt = to == TicketStatus.Pending ? now : null;

        // An answer from the requester or an agent's move ends the follow-up; a later Pending starts a fresh one.
        PendingRemindersSent = 0;
        PendingReminderSentAt = null;
        switch (to)
        {
            case TicketStatus.Resolved:
                ResolvedAt = now;
                break;
            case TicketStatus.Closed:
                ClosedAt = now;
                break;
            case TicketStatus.Open or TicketStatus.New:
                ResolvedAt = null;
                ClosedAt = null;
                ResolvedAtFirstContact = false;
                break;
        }

        Status = to;
        Record(TicketEventKind.StatusChanged, actor, now, $"{from} → {to}");
    }

    private void SetPriority(Priority priority, string actor, SlaClock sla, DateTimeOffset now)
    {
        if (priority == Priority)
        {
            return;
        }

        Record(TicketEventKind.PriorityChanged, actor, now, $"{Priority} → {priority}");
        Priority = priority;

        // ITIL: targets follow the current priority, measured from when the ticket was logged.
        FirstResponseDueAt = sla.FirstResponseDue(priority, CreatedAt);
        FirstResponseBreached = FirstRespondedAt is { } responded ? responded > FirstResponseDueAt : FirstResponseBreached && now > FirstResponseDueAt;
        ResolutionDueAt = sla.Advance(priority, sla.ResolutionDue(priority, CreatedAt), SlaPausedFor);
        ResolutionBreached = ResolutionBreached && now > ResolutionDueAt;
        RearmWarnings(sla, now);
    }

    /// <summary>
    /// After a priority change the warnings follow the new targets. One not yet given simply moves (to the past, for a
    /// tighter target: the next run warns). One already given is armed again only when its new instant is still ahead,
    /// i.e. the ticket got more time and agents hear again as the new deadline nears; if that instant has already
    /// passed the earlier warning stands, and the breach will be the next thing they hear. A target already met or
    /// breached is not warned about.
    /// </summary>
    private void RearmWarnings(SlaClock sla, DateTimeOffset now)
    {
        var firstResponse = sla.FirstResponseWarning(Priority, CreatedAt);
        FirstResponseWarningAt = FirstRespondedAt is not null || FirstResponseBreached ? null
            : FirstResponseWarningAt is not null || firstResponse > now ? firstResponse
            : null;

        var resolution = sla.Advance(Priority, sla.ResolutionWarning(Priority, CreatedAt), SlaPausedFor);
        ResolutionWarningAt = ResolutionBreached ? null
            : ResolutionWarningAt is not null || resolution > now ? resolution
            : null;
    }

    private void ApplyService(Service? service, SlaClock sla, DateTimeOffset now)
    {
        Service = service;
        ServiceId = service?.Id;
        if (service?.AssignmentGroup is { } group && group.Id != AssignmentGroupId)
        {
            AssignmentGroup = group;
            AssignmentGroupId = group.Id;
        }

        SupplierDueAt = service?.UnderpinningResolutionTarget is { } target
            ? sla.AddWorkingTime(now, target) // underpinning contracts count working time
            : null;
    }

    /// <summary>The requester wrote as a program or a list: no automatic notices from now on (recorded once, with why).</summary>
    public void SuppressAutomaticNotices(string reason, string actor, DateTimeOffset now)
    {
        if (AutomaticNoticesSuppressed)
        {
            return;
        }

        AutomaticNoticesSuppressed = true;
        Record(TicketEventKind.AutomaticNoticesSuppressed, actor, now, Truncate("automated sender: " + reason, 500));
    }

    /// <summary>A person wrote as the requester: automatic notices reach them again.</summary>
    public void ResumeAutomaticNotices(string actor, DateTimeOffset now)
    {
        if (!AutomaticNoticesSuppressed)
        {
            return;
        }

        AutomaticNoticesSuppressed = false;
        Record(TicketEventKind.AutomaticNoticesResumed, actor, now, "the requester wrote in person");
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
