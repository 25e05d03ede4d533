using Microsoft.Extensions.Options;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Bot.AgentConsole.Pages;

public sealed class KpisModel(KpiQueries kpis, TimeProvider time, IOptions<SlaOptions> sla) : ConsolePage
{
    public KpiReport Report { get; private set; } = null!;

    public async Task OnGetAsync(DateOnly? from, DateOnly? to, int? days, CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(sla.Value.BusinessHours.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).Date);
        var end = to ?? today;
        var start = from ?? end.AddDays(-(Math.Clamp(days ?? 30, 1, KpiQueries.MaxDays) - 1));
        Report = await kpis.ReportAsync(start, end, cancellationToken);
    }
}
