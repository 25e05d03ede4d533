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
                throw new DomainRuleException("invalid_body", "Write a message of at most 20000 characters.");
            }

            await tickets.CommentAsync(id, body.Trim(), visibility, Agent.Name, Agent.Actor, cancellationToken);
            return visibility == MessageVisibility.Internal ? "Internal note added." : "Reply queued for delivery.";
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
            return "Ticket updated.";
        });

    public Task<IActionResult> OnPostMergeAsync(string number, [FromForm] string? into, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            if (!numbers.TryGetId(into, out var survivor))
            {
                throw new DomainRuleException("invalid_ticket", $"'{into}' is not a ticket number.");
            }

            return await merger.MergeAsync(id, survivor, Agent.Actor, cancellationToken)
                ? $"Merged into {numbers.Format(survivor)}."
                : throw new DomainRuleException("unknown_ticket", $"There is no ticket {into}.");
        });

    public Task<IActionResult> OnPostLinkProblemAsync(string number, [FromForm] long? problemId, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
            await problems.LinkAsync(id, problemId, Agent.Actor, cancellationToken) ? (problemId is null ? "Problem unlinked." : "Linked to the problem.") : "That problem no longer exists.");

    public Task<IActionResult> OnPostNewProblemAsync(string number, [FromForm] string? title, CancellationToken cancellationToken) =>
        WithTicketAsync(number, async id =>
        {
            if (string.IsNullOrWhiteSpace(title) || title.Length > 200)
            {
                throw new DomainRuleException("invalid_title", "Give the problem a title of at most 200 characters.");
            }

            var problem = await problems.CreateAsync(title, $"Recorded from {numbers.Format(id)}.", Agent.Actor, id, cancellationToken);
            return $"{Problem.NumberFor(problem.Id)} recorded and linked.";
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
