using Microsoft.EntityFrameworkCore;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.AgentConsole;

public sealed record BoardRow(
    long Id,
    Channel Channel,
    ConversationMode Mode,
    string Contact,
    long? TicketId,
    string? TicketTitle,
    string? AgentId,
    string? AgentName,
    DateTimeOffset? WaitingSince,
    DateTimeOffset LastActivityAt);

/// <summary>The live conversations by mode: waiting (oldest first), with agents, with the bot (recent first).</summary>
public sealed record Board(IReadOnlyList<BoardRow> Waiting, IReadOnlyList<BoardRow> WithAgents, IReadOnlyList<BoardRow> WithBot, DateTimeOffset Now);

public sealed record ConversationView(BoardRow Conversation, string ContactLanguage, TicketSummary? Ticket, IReadOnlyList<MessageView> Transcript);

/// <summary>The queue's filters; null members do not filter.</summary>
public sealed record QueueFilter(
    TicketStatus? Status = null,
    Priority? Priority = null,
    Channel? Channel = null,
    string? Service = null,
    string? Group = null,
    string? Assignee = null,
    SlaFilter? Sla = null,
    bool IncludeClosed = false,
    int Page = 1);

public enum SlaFilter
{
    /// <summary>Active tickets whose next target falls due soon (first response within 30 min, resolution within 2 h).</summary>
    AtRisk,

    /// <summary>Tickets that missed a target.</summary>
    Breached,
}

public sealed record TicketLinks(long TicketId, string? MergedInto, Problem? Problem, IReadOnlyList<BoardRow> Conversations);

/// <summary>What the console's pages read. Queries only: every change goes through the core's services.</summary>
public sealed class ConsoleQueries(ServiceDeskDbContext db, TicketNumber numbers, TimeProvider time)
{
    public const int PageSize = 50;
    public const int TranscriptLength = 500;
    public static readonly TimeSpan FirstResponseRiskWindow = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan ResolutionRiskWindow = TimeSpan.FromHours(2);

    public async Task<Board> BoardAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var waiting = await Rows(db.Conversations.Where(c => c.Mode == ConversationMode.WaitingForAgent).OrderBy(c => c.WaitingSince).ThenBy(c => c.Id)).Take(200).ToListAsync(cancellationToken);
        var agents = await Rows(db.Conversations.Where(c => c.Mode == ConversationMode.Agent).OrderBy(c => c.AgentName).ThenBy(c => c.Id)).Take(200).ToListAsync(cancellationToken);
        var since = now - TimeSpan.FromDays(1);
        var bot = await Rows(db.Conversations.Where(c => c.Mode == ConversationMode.Bot && c.LastActivityAt >= since).OrderByDescending(c => c.LastActivityAt)).Take(25).ToListAsync(cancellationToken);
        return new Board(waiting, agents, bot, now);
    }

    public async Task<ConversationView?> ConversationAsync(long id, CancellationToken cancellationToken)
    {
        var row = await Rows(db.Conversations.Where(c => c.Id == id)).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var language = await db.Conversations.Where(c => c.Id == id).Select(c => c.Contact.Language).SingleAsync(cancellationToken);
        var ticket = row.TicketId is { } ticketId
            ? await db.Tickets.AsNoTracking().Where(t => t.Id == ticketId).Select(TicketQueries.Summary(numbers)).FirstOrDefaultAsync(cancellationToken)
            : null;

        // The whole exchange: what was said in this conversation, and the ticket's messages on other channels.
        // A long one is cut at its start: the agent needs the latest messages, the ones being answered.
        var latest = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == id || (row.TicketId != null && m.TicketId == row.TicketId))
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(TranscriptLength)
            .ToListAsync(cancellationToken);
        latest.Reverse();
        return new ConversationView(row, language, ticket, [.. latest.Select(TicketQueries.ToView)]);
    }

    public async Task<PagedResult<TicketSummary>> QueueAsync(QueueFilter filter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var query = db.Tickets.AsNoTracking();
        query = filter.Status is { } status
            ? query.Where(t => t.Status == status)
            : filter.IncludeClosed ? query : query.Where(t => t.Status != TicketStatus.Closed);
        if (filter.Priority is { } priority)
        {
            query = query.Where(t => t.Priority == priority);
        }

        if (filter.Channel is { } channel)
        {
            query = query.Where(t => t.OriginChannel == channel);
        }

        if (!string.IsNullOrWhiteSpace(filter.Service))
        {
            query = query.Where(t => t.Service != null && t.Service.Code == filter.Service);
        }

        if (!string.IsNullOrWhiteSpace(filter.Group))
        {
            query = query.Where(t => t.AssignmentGroup != null && t.AssignmentGroup.Name == filter.Group);
        }

        if (!string.IsNullOrWhiteSpace(filter.Assignee))
        {
            query = query.Where(t => t.Assignee == filter.Assignee);
        }

        var active = new[] { TicketStatus.New, TicketStatus.Open, TicketStatus.Pending };
        switch (filter.Sla)
        {
            case SlaFilter.Breached:
                // Flagged by the minutely job, or past due right now and not flagged yet.
                query = query.Where(t => t.FirstResponseBreached || t.ResolutionBreached
                    || (active.Contains(t.Status) && t.FirstRespondedAt == null && t.FirstResponseDueAt < now)
                    || (active.Contains(t.Status) && t.Status != TicketStatus.Pending && t.ResolutionDueAt < now));
                break;
            case SlaFilter.AtRisk:
                var firstResponseSoon = now + FirstResponseRiskWindow;
                var resolutionSoon = now + ResolutionRiskWindow;
                query = query.Where(t => active.Contains(t.Status) && t.Status != TicketStatus.Pending && !t.FirstResponseBreached && !t.ResolutionBreached
                    && ((t.FirstRespondedAt == null && t.FirstResponseDueAt >= now && t.FirstResponseDueAt <= firstResponseSoon)
                        || (t.ResolutionDueAt >= now && t.ResolutionDueAt <= resolutionSoon)));
                break;
        }

        var total = await query.CountAsync(cancellationToken);
        var page = Math.Max(1, filter.Page);

        // Most urgent first: priority, then the nearest resolution target.
        var rows = await query
            .OrderBy(t => t.Priority).ThenBy(t => t.ResolutionDueAt).ThenBy(t => t.Id)
            .Skip((page - 1) * PageSize)
            .Take(PageSize)
            .Select(TicketQueries.Summary(numbers))
            .ToListAsync(cancellationToken);
        return new PagedResult<TicketSummary>(rows, page, PageSize, total);
    }

    public Task<TicketDetail?> TicketAsync(long id, CancellationToken cancellationToken) => TicketQueries.DetailAsync(db, numbers, id, cancellationToken);

    public async Task<TicketLinks> LinksAsync(long ticketId, CancellationToken cancellationToken)
    {
        var facts = await db.Tickets.AsNoTracking().Where(t => t.Id == ticketId).Select(t => new { t.MergedIntoTicketId, t.ProblemId }).SingleAsync(cancellationToken);
        var problem = facts.ProblemId is { } problemId ? await db.Problems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == problemId, cancellationToken) : null;
        var conversations = await Rows(db.Conversations.Where(c => c.CurrentTicketId == ticketId).OrderByDescending(c => c.LastActivityAt)).ToListAsync(cancellationToken);
        return new TicketLinks(ticketId, facts.MergedIntoTicketId is { } merged ? numbers.Format(merged) : null, problem, conversations);
    }

    public Task<List<string>> ServiceCodesAsync(CancellationToken cancellationToken) =>
        db.Services.AsNoTracking().OrderBy(s => s.Code).Select(s => s.Code).ToListAsync(cancellationToken);

    public Task<List<string>> GroupNamesAsync(CancellationToken cancellationToken) =>
        db.AssignmentGroups.AsNoTracking().OrderBy(g => g.Name).Select(g => g.Name).ToListAsync(cancellationToken);

    public Task<List<Problem>> OpenProblemsAsync(CancellationToken cancellationToken) =>
        db.Problems.AsNoTracking().Where(p => p.Status != ProblemStatus.Closed).OrderByDescending(p => p.Id).Take(200).ToListAsync(cancellationToken);

    public Task<List<Problem>> ProblemsAsync(CancellationToken cancellationToken) =>
        db.Problems.AsNoTracking().OrderBy(p => p.Status).ThenByDescending(p => p.UpdatedAt).Take(500).ToListAsync(cancellationToken);

    public Task<Problem?> ProblemAsync(long id, CancellationToken cancellationToken) =>
        db.Problems.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);

    public Task<List<TicketSummary>> ProblemIncidentsAsync(long problemId, CancellationToken cancellationToken) =>
        db.Tickets.AsNoTracking().Where(t => t.ProblemId == problemId).OrderByDescending(t => t.Id).Select(TicketQueries.Summary(numbers)).ToListAsync(cancellationToken);

    private IQueryable<BoardRow> Rows(IQueryable<Conversation> conversations) =>
        conversations.AsNoTracking().Select(c => new BoardRow(
            c.Id,
            c.Channel,
            c.Mode,
            c.Contact.DisplayName,
            c.CurrentTicketId,
            db.Tickets.Where(t => t.Id == c.CurrentTicketId).Select(t => t.Title).FirstOrDefault(),
            c.AgentId,
            c.AgentName,
            c.WaitingSince,
            c.LastActivityAt));
}
