using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>Service-desk figures for a period (the ITIL "service desk optimisation" view).</summary>
/// <param name="VolumeByChannel">Tickets opened, per channel.</param>
/// <param name="VolumeByService">Tickets opened, per service code.</param>
/// <param name="DailyVolume">Tickets opened per day (in the desk's time zone) and channel, for the chart.</param>
/// <param name="FirstContactResolutionRate">Of tickets resolved, the share resolved at the first contact (bot self-service included); null when none.</param>
/// <param name="SlaResolutionCompliance">Of tickets resolved, the share resolved within the resolution target.</param>
/// <param name="SlaFirstResponseCompliance">Of tickets answered, the share answered within the first-response target.</param>
/// <param name="Csat">Mean satisfaction (1–5) and the number of answers; null while the desk stores no survey answers.</param>
/// <param name="HandoffRate">Of chat conversations started, the share that went to a person.</param>
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
    private readonly TimeZoneInfo _zone = TimeZoneInfo.TryFindSystemTimeZoneById(sla.Value.BusinessHours.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public async Task<KpiReport> ReportAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var start = StartOf(from);
        var end = StartOf(to.AddDays(1));
        var tickets = await db.Tickets.AsNoTracking()
            .Where(t => t.CreatedAt >= start && t.CreatedAt < end && t.MergedIntoTicketId == null)
            .Select(t => new
            {
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

        var conversations = await db.Conversations.AsNoTracking().CountAsync(c => c.CreatedAt >= start && c.CreatedAt < end, cancellationToken);
        var handedOff = await db.Conversations.AsNoTracking()
            .Where(c => c.CreatedAt >= start && c.CreatedAt < end)
            .CountAsync(c => db.Handoffs.Any(h => h.ConversationId == c.Id), cancellationToken);
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
            Share(resolved.Count(t => t.ResolvedAtFirstContact), resolved.Count),
            resolved.Count(t => t.ResolvedAtFirstContact),
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
