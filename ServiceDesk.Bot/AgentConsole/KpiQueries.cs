using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>Service-desk figures for a period (the ITIL "service desk optimisation" view).</summary>
/// <param name="VolumeByChannel">Tickets opened, per channel.</param>
/// <param name="VolumeByService">Tickets opened, per service code.</param>
/// <param name="DailyVolume">Tickets opened per day (in the desk's time zone) and channel, for the chart.</param>
/// <param name="FirstContactResolutionRate">
/// Of tickets resolved, the share resolved at the first contact: by the bot's self-service, or by an agent without the
/// requester having to write again after the first answer (messages during a live chat with the agent are the same
/// contact) and never reopened; null when none.
/// </param>
/// <param name="SlaResolutionCompliance">Of tickets resolved, the share resolved within the resolution target.</param>
/// <param name="SlaFirstResponseCompliance">Of tickets answered, the share answered within the first-response target.</param>
/// <param name="Csat">Mean satisfaction (1–5) and the number of answers; null while the desk stores no survey answers.</param>
/// <param name="HandoffRate">
/// Of chat conversations (Teams, SMS) active in the period, the share that went to a person in the period; e-mail threads
/// are not bot conversations and a Teams chat lives for ever, so activity, not creation, is what counts.
/// </param>
/// <param name="AverageWaitForAgent">From asking for a person to an agent taking over.</param>
public sealed record KpiReport(
    DateOnly From,
    DateOnly To,
    int TicketsOpened,
    int TicketsResolved,
    IReadOnlyDictionary<Channel, int> VolumeByChannel,
    IReadOnlyList<(string Service, int Count)> VolumeByService,
    IReadOnlyList<(DateOnly Day, IReadOnlyDictionary<Channel, int> Counts)> DailyVolume,
    double? FirstContactResolutionRate,
    int ResolvedAtFirstContact,
    TimeSpan? MeanTimeToFirstResponse,
    TimeSpan? MeanTimeToResolution,
    double? SlaResolutionCompliance,
    double? SlaFirstResponseCompliance,
    (double Mean, int Answers)? Csat,
    int Conversations,
    int ConversationsHandedOff,
    double? HandoffRate,
    TimeSpan? AverageWaitForAgent,
    int WaitingNow);

/// <summary>
/// Computes <see cref="KpiReport"/>. Tickets of the period are read as slim rows and aggregated here:
/// simple, identical on every provider (SQLite cannot group by day on its stored instants), and fast enough
/// for the tens of thousands of tickets a desk opens in a quarter. Merged duplicates are left out: they
/// are one contact counted on the surviving ticket.
/// </summary>
public sealed class KpiQueries(ServiceDeskDbContext db, Microsoft.Extensions.Options.IOptions<Core.Sla.SlaOptions> sla)
{
    /// <summary>The longest period one report covers: a year, leap day included.</summary>
    public const int MaxDays = 366;

    private static readonly Channel[] ChatChannels = [Channel.Teams, Channel.Sms];

    private readonly TimeZoneInfo _zone = TimeZoneInfo.TryFindSystemTimeZoneById(sla.Value.BusinessHours.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>Puts the days in order and keeps the latest <see cref="MaxDays"/> of them.</summary>
    public static (DateOnly From, DateOnly To) Clamp(DateOnly from, DateOnly to)
    {
        if (from > to)
        {
            (from, to) = (to, from);
        }

        return (to.DayNumber - from.DayNumber >= MaxDays ? to.AddDays(-(MaxDays - 1)) : from, to);
    }

    public async Task<KpiReport> ReportAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        (from, to) = Clamp(from, to);
        var start = StartOf(from);
        var end = StartOf(to.AddDays(1));
        var tickets = await db.Tickets.AsNoTracking()
            .Where(t => t.CreatedAt >= start && t.CreatedAt < end && t.MergedIntoTicketId == null)
            .Select(t => new
            {
                t.Id,
                t.CreatedAt,
                t.OriginChannel,
                Service = t.Service != null ? t.Service.Code : "-",
                t.FirstRespondedAt,
                t.FirstResponseDueAt,
                t.ResolvedAt,
                t.ClosedAt,
                t.ResolutionDueAt,
                t.ResolutionBreached,
                t.ResolvedAtFirstContact,
            })
            .ToListAsync(cancellationToken);

        var resolved = tickets.Where(t => t.ResolvedAt is not null).ToList();
        var answered = tickets.Where(t => t.FirstRespondedAt is not null).ToList();
        var daily = tickets
            .GroupBy(t => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t.CreatedAt, _zone).Date))
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<Channel, int>)g.GroupBy(t => t.OriginChannel).ToDictionary(c => c.Key, c => c.Count()));
        var days = new List<(DateOnly, IReadOnlyDictionary<Channel, int>)>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            days.Add((day, daily.TryGetValue(day, out var counts) ? counts : new Dictionary<Channel, int>()));
        }

        var notFirstContact = await NotFirstContactAsync(start, end, cancellationToken);
        var firstContact = resolved.Count(t => t.ResolvedAtFirstContact || !notFirstContact.Contains(t.Id));

        var active = await db.Messages.AsNoTracking()
            .Where(m => m.Direction == MessageDirection.Inbound && m.ConversationId != null && ChatChannels.Contains(m.Channel) && m.CreatedAt >= start && m.CreatedAt < end)
            .Select(m => m.ConversationId!.Value)
            .Distinct()
            .ToListAsync(cancellationToken);
        var handedOffIds = await db.Handoffs.AsNoTracking()
            .Where(h => ChatChannels.Contains(h.Channel) && h.RequestedAt >= start && h.RequestedAt < end)
            .Select(h => h.ConversationId)
            .Distinct()
            .ToListAsync(cancellationToken);

        // An agent may step into a chat that was quiet in the period: it was active then, too.
        var conversations = active.Union(handedOffIds).Count();
        var handedOff = handedOffIds.Count;
        var waits = await db.Handoffs.AsNoTracking()
            .Where(h => h.Requested && h.TakenAt != null && h.RequestedAt >= start && h.RequestedAt < end)
            .Select(h => new { h.RequestedAt, h.TakenAt })
            .ToListAsync(cancellationToken);
        var waitingNow = await db.Conversations.AsNoTracking().CountAsync(c => c.Mode == Core.Conversations.ConversationMode.WaitingForAgent, cancellationToken);

        return new KpiReport(
            from,
            to,
            tickets.Count,
            resolved.Count,
            tickets.GroupBy(t => t.OriginChannel).ToDictionary(g => g.Key, g => g.Count()),
            [.. tickets.GroupBy(t => t.Service).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).ThenBy(g => g.Key)],
            days,
            Share(firstContact, resolved.Count),
            firstContact,
            Mean(answered.Select(t => t.FirstRespondedAt!.Value - t.CreatedAt)),
            Mean(resolved.Select(t => t.ResolvedAt!.Value - t.CreatedAt)),
            Share(resolved.Count(t => !t.ResolutionBreached && t.ResolvedAt <= t.ResolutionDueAt), resolved.Count),
            Share(answered.Count(t => t.FirstRespondedAt <= t.FirstResponseDueAt), answered.Count),
            await CsatAsync(start, end, cancellationToken),
            conversations,
            handedOff,
            Share(handedOff, conversations),
            Mean(waits.Select(w => w.TakenAt!.Value - w.RequestedAt)),
            waitingNow);
    }

    /// <summary>
    /// Resolved tickets of the period that took more than one contact: reopened, or the requester wrote after the first
    /// answer outside a live chat with an agent (a clarifying question answered, a "still broken").
    /// </summary>
    private async Task<HashSet<long>> NotFirstContactAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var tickets = db.Tickets.Where(t => t.CreatedAt >= start && t.CreatedAt < end && t.MergedIntoTicketId == null && t.ResolvedAt != null);
        var reopened = await db.TicketEvents.AsNoTracking()
            .Where(e => e.Kind == TicketEventKind.Reopened && tickets.Any(t => t.Id == e.TicketId))
            .Select(e => e.TicketId)
            .ToListAsync(cancellationToken);

        // An agent reopening a ticket is a plain status change ("Resolved → Open"): resolved twice means reopened.
        var resolvedTo = $"→ {TicketStatus.Resolved}";
        var resolvedTwice = await db.TicketEvents.AsNoTracking()
            .Where(e => e.Kind == TicketEventKind.StatusChanged && e.Detail != null && e.Detail.EndsWith(resolvedTo) && tickets.Any(t => t.Id == e.TicketId))
            .GroupBy(e => e.TicketId)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToListAsync(cancellationToken);
        var cameBack = await (
                from m in db.Messages.AsNoTracking()
                join t in tickets on m.TicketId equals t.Id
                where m.Direction == MessageDirection.Inbound
                    && m.CreatedAt > (t.FirstRespondedAt ?? t.ResolvedAt) && m.CreatedAt <= t.ResolvedAt
                    && !db.Handoffs.Any(h => h.ConversationId == m.ConversationId && h.TakenAt != null && h.TakenAt <= m.CreatedAt && (h.EndedAt == null || h.EndedAt >= m.CreatedAt))
                select t.Id)
            .ToListAsync(cancellationToken);
        return [.. reopened, .. resolvedTwice, .. cameBack];
    }

    /// <summary>Satisfaction answers given in the period: the mean rating (1–5) and how many; null when there are none.</summary>
    private async Task<(double Mean, int Answers)?> CsatAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var ratings = await db.SatisfactionResponses.AsNoTracking()
            .Where(r => r.RespondedAt >= start && r.RespondedAt < end)
            .Select(r => r.Rating)
            .ToListAsync(cancellationToken);
        return ratings.Count == 0 ? null : (ratings.Average(), ratings.Count);
    }

    private DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, _zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static double? Share(int part, int whole) => whole == 0 ? null : (double)part / whole;

    private static TimeSpan? Mean(IEnumerable<TimeSpan> spans)
    {
        var list = spans.ToList();
        return list.Count == 0 ? null : TimeSpan.FromTicks((long)list.Average(s => s.Ticks));
    }
}
