using Microsoft.AspNetCore.Mvc;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.AgentConsole.Pages.Tickets;

/// <summary>One entry of the merged timeline: a message or an audit event.</summary>
public sealed record TimelineItem(DateTimeOffset At, MessageView? Message, EventView? Event);

public sealed class TicketModel(ConsoleQueries queries, TicketService tickets, TicketMerger merger, ProblemService problems, TicketNumber numbers) : ConsolePage
{
    public long TicketId { get; private set; }

    public TicketDetail Detail { get; private set; } = null!;

    public TicketLinks Links { get; private set; } = null!;

    public IReadOnlyList<TimelineItem> Timeline { get; private set; } = [];

    public IReadOnlyList<string> Services { get; private set; } = [];

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public IReadOnlyList<Problem> Problems { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string number, CancellationToken cancellationToken)
    {
        if (!numbers.TryGetId(number, out var id) || await queries.TicketAsync(id, cancellationToken) is not { } detail)
        {
            return NotFound();
        }

        TicketId = id;
        Detail = detail;
        Links = await queries.LinksAsync(id, cancellationToken);
        Timeline = [.. detail.Messages.Select(m => new TimelineItem(m.CreatedAt, m, null))
            .Concat(detail.Events.Where(e => e.Kind is not (TicketEventKind.NotificationQueued or TicketEventKind.NotificationSent)).Select(e => new TimelineItem(e.OccurredAt, null, e)))
            .OrderBy(i => i.At)];
        Services = await queries.ServiceCodesAsync(cancellationToken);
        Groups = await queries.GroupNamesAsync(cancellationToken);
        Problems = await queries.OpenProblemsAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostCommentAsync(string number, [FromForm] string? body, [FromForm] MessageVisibility visibility, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            if (string.IsNullOrWhiteSpace(body) || body.Length > 20_000)
            {
                throw new DomainRuleException("invalid_body", Texts["Ticket_InvalidBody"]);
            }

            await tickets.CommentAsync(id, body.Trim(), visibility, Agent.Name, Agent.Actor, cancellationToken);
            return visibility == MessageVisibility.Internal ? Texts["Ticket_NoteAdded"] : Texts["Ticket_ReplyQueued"];
        });

    public Task<IActionResult> OnPostUpdateAsync(
        string number, [FromForm] TicketStatus? status, [FromForm] Priority? priority, [FromForm] string? service, [FromForm] string? group, [FromForm] string? assignee, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            var changes = new TicketChanges(
                Status: status,
                Priority: priority,
                ServiceCode: string.IsNullOrWhiteSpace(service) ? null : service,
                Group: string.IsNullOrWhiteSpace(group) ? null : group,
                Assignee: string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim()[..Math.Min(200, assignee.Trim().Length)]);
            await tickets.UpdateAsync(id, changes, Agent.Actor, cancellationToken);
            return Texts["Ticket_Updated"];
        });

    public Task<IActionResult> OnPostMergeAsync(string number, [FromForm] string? into, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            if (!numbers.TryGetId(into, out var survivor))
            {
                throw new DomainRuleException("invalid_ticket", Texts["Ticket_NotANumber", into ?? ""]);
            }

            return await merger.MergeAsync(id, survivor, Agent.Actor, cancellationToken)
                ? Texts["Ticket_Merged", numbers.Format(survivor)]
                : throw new DomainRuleException("unknown_ticket", Texts["Ticket_Unknown", into ?? ""]);
        });

    public Task<IActionResult> OnPostLinkProblemAsync(string number, [FromForm] long? problemId, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
            await problems.LinkAsync(id, problemId, Agent.Actor, cancellationToken) ? (problemId is null ? Texts["Ticket_ProblemUnlinked"] : Texts["Ticket_ProblemLinked"]) : Texts["Ticket_ProblemGone"]);

    public Task<IActionResult> OnPostNewProblemAsync(string number, [FromForm] string? title, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            if (string.IsNullOrWhiteSpace(title) || title.Length > 200)
            {
                throw new DomainRuleException("invalid_title", Texts["Problem_InvalidTitle"]);
            }

            var problem = await problems.CreateAsync(title, Texts["Ticket_ProblemFrom", numbers.Format(id)], Agent.Actor, id, cancellationToken);
            return Texts["Ticket_ProblemRecorded", Problem.NumberFor(problem.Id)];
        });

    private async Task<IActionResult> WithTicketAsync(string number, Func<long, Task<string?>> change)
    {
        if (!numbers.TryGetId(number, out var id))
        {
            return NotFound();
        }

        return await ChangeAsync(() => change(id), () => RedirectToPage(new { number }));
    }
}
