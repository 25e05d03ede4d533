using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Sla;

/// <summary>
/// The minutely SLA watch: warns agents when a target is at risk (<see cref="SlaOptions.WarningThreshold"/> used),
/// flags breaches, moves breached first-line tickets to second line (<see cref="SlaOptions.EscalateOnBreach"/>),
/// mails the assignee and the group's mailbox, and raises live alerts in the console.
/// </summary>
/// <remarks>
/// Each batch is one transaction: the flags, the timeline events and the internal mails' outbox rows commit together,
/// and the ticket's concurrency token makes a second run (another instance, a retried job) that read the same
/// tickets lose and start again on what the first committed, so nothing is warned or mailed twice. Live alerts go
/// out after the commit. Due tickets are found by stored instants (indexed), so a run with nothing due is one query.
/// </remarks>
public sealed partial class SlaWatch(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    TicketNumber numbers,
    SlaClock clock,
    IAgentDirectory agents,
    ISlaAlerts alerts,
    ConfiguredChannels channels,
    IOutboxScheduler scheduler,
    IOptions<SlaOptions> sla,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    ILogger<SlaWatch> logger)
{
    private const int BatchSize = 200;

    /// <summary>Bounds one run; what is left waits for the next minute.</summary>
    private const int MaxBatches = 10;

    /// <returns>How many warnings and breaches were recorded.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        for (var batch = 0; batch < MaxBatches; batch++)
        {
            var (examined, raised) = await RunBatchAsync(cancellationToken);
            total += raised;
            if (examined < BatchSize)
            {
                break;
            }
        }

        return total;
    }

    private async Task<(int Examined, int Raised)> RunBatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var raised = new List<SlaAlert>();
        var queued = new List<OutboxMessage>();
        var examined = await transaction.RunAsync(
            async ct =>
            {
                raised.Clear();
                queued.Clear();
                var due = await db.Tickets
                    .Include(t => t.AssignmentGroup)
                    .Include(t => t.Service).ThenInclude(s => s!.AssignmentGroup)
                    .Where(t => t.Status == TicketStatus.New || t.Status == TicketStatus.Open || t.Status == TicketStatus.Pending)
                    .Where(t => (t.Status != TicketStatus.Pending && (t.FirstResponseWarningAt <= now || t.ResolutionWarningAt <= now))
                        || (!t.FirstResponseBreached && t.FirstRespondedAt == null && t.FirstResponseDueAt < now)
                        || (!t.ResolutionBreached && t.Status != TicketStatus.Pending && t.ResolutionDueAt < now))
                    .OrderBy(t => t.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                foreach (var ticket in due)
                {
                    var kinds = ticket.CheckWarnings(now).Concat(ticket.CheckBreaches(now)).ToList();
                    if (kinds.Count == 0)
                    {
                        continue;
                    }

                    var escalatedFrom = kinds.Contains(TicketEventKind.ResolutionBreached) ? await EscalateAsync(ticket, now, ct) : null;
                    var agent = ticket.Assignee is { } assignee ? await agents.FindAsync(assignee, ct) : null;
                    foreach (var kind in kinds)
                    {
                        raised.Add(new SlaAlert(ticket.Id, numbers.Format(ticket.Id), kind, DueFor(ticket, kind), agent?.Id));
                        queued.AddRange(await MailAsync(ticket, kind, agent, escalatedFrom, now, ct));
                    }
                }

                await db.SaveChangesAsync(ct);
                return due.Count;
            },
            cancellationToken);

        foreach (var row in queued)
        {
            scheduler.Schedule(row.Id);
        }

        if (raised.Count > 0)
        {
            LogRaised(raised.Count);
            await alerts.RaiseAsync(raised, cancellationToken);
        }

        return (examined, raised.Count);
    }

    private static DateTimeOffset DueFor(Ticket ticket, TicketEventKind kind) =>
        kind is TicketEventKind.FirstResponseAtRisk or TicketEventKind.FirstResponseBreached ? ticket.FirstResponseDueAt : ticket.ResolutionDueAt;

    /// <summary>Moves a first-line ticket whose resolution target broke to second line; returns the group it left, or null.</summary>
    private async Task<string?> EscalateAsync(Ticket ticket, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!sla.Value.EscalateOnBreach || ticket.AssignmentGroup is not { Tier: SupportTier.L1 } current)
        {
            return null;
        }

        var target = ticket.Service?.AssignmentGroup is { Tier: SupportTier.L2 } serviceGroup
            ? serviceGroup
            : string.IsNullOrWhiteSpace(sla.Value.EscalationGroup)
                ? null
                : await db.AssignmentGroups.SingleOrDefaultAsync(g => g.Name == sla.Value.EscalationGroup, cancellationToken);
        if (target is null || target.Id == current.Id)
        {
            LogNoEscalationGroup(ticket.Id, current.Name);
            return null;
        }

        ticket.EscalateOnBreach(target, now);
        return current.Name;
    }

    /// <summary>
    /// The internal mail to the assignee and to the group's mailbox, as outbound messages outside the ticket (so never
    /// threaded with the requester's mail nor shown as a reply) with their outbox rows, in the caller's transaction.
    /// </summary>
    private async Task<List<OutboxMessage>> MailAsync(Ticket ticket, TicketEventKind kind, AgentContact? agent, string? escalatedFrom, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new List<OutboxMessage>();
        if (!channels.CanSend(Channel.Email))
        {
            return rows;
        }

        string?[] candidates = [agent?.Email, ticket.AssignmentGroup?.Email];
        var recipients = candidates
            .Where(a => !string.IsNullOrWhiteSpace(a))
            .Select(a => a!.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var recipient in recipients)
        {
            var address = ContactIdentity.Normalize(Channel.Email, recipient);

            // The language the desk knows for this address (an agent who also wrote to the desk), else the desk's own.
            var language = await db.ContactIdentities
                .Where(i => i.Channel == Channel.Email && i.Address == address)
                .Join(db.Contacts, i => i.ContactId, c => c.Id, (i, c) => c.Language)
                .FirstOrDefaultAsync(cancellationToken) ?? desk.Value.DefaultLanguage;
            var message = Compose(ticket, kind, recipient, language, escalatedFrom, now);
            db.Messages.Add(message);
            var row = new OutboxMessage { Message = message, DeliveryKey = Guid.NewGuid(), State = OutboxState.Pending, CreatedAt = now, NextAttemptAt = now };
            db.Outbox.Add(row);
            rows.Add(row);
        }

        if (recipients.Count > 0)
        {
            ticket.Record(TicketEventKind.SlaAlertMailed, "system", now, $"{kind}: {string.Join(", ", recipients)}");
        }

        return rows;
    }

    private Message Compose(Ticket ticket, TicketEventKind kind, string recipient, string language, string? escalatedFrom, DateTimeOffset now)
    {
        var number = numbers.Format(ticket.Id);
        var due = clock.ToBusinessTime(DueFor(ticket, kind)).ToString("f", SlaTexts.CultureFor(language));
        var subject = SlaTexts.Format("Subject_" + kind, language, number, due);
        var body = SlaTexts.Format(
            "Body",
            language,
            subject,
            number,
            ticket.Title,
            ticket.Priority,
            ticket.AssignmentGroup?.Name ?? "-",
            ticket.Assignee ?? SlaTexts.Format("Nobody", language));
        if (escalatedFrom is not null && kind == TicketEventKind.ResolutionBreached)
        {
            body += "\n\n" + SlaTexts.Format("Escalated", language, escalatedFrom, ticket.AssignmentGroup?.Name ?? "-");
        }

        body += "\n\n" + SlaTexts.Format("Footer", language, desk.Value.Name);
        return new Message
        {
            Channel = Channel.Email,
            Direction = MessageDirection.Outbound,
            Visibility = MessageVisibility.Internal,
            Kind = MessageKind.InternalNotice,
            Subject = subject.Length <= 500 ? subject : subject[..500],
            Body = body,
            Author = desk.Value.Name,
            Recipient = recipient,
            DeliveryState = DeliveryState.Queued,
            CreatedAt = now,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SLA watch: {Count} warnings and breaches recorded")]
    private partial void LogRaised(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ticket {TicketId} breached its resolution target in first-line group {Group}, but there is no second-line group to escalate to (the service's group is first line and Sla:EscalationGroup names no group)")]
    private partial void LogNoEscalationGroup(long ticketId, string group);
}
