using Microsoft.Extensions.Options;
using ServiceDesk.Core.Priorities;

namespace ServiceDesk.Core.Sla;

/// <summary>Due dates for a priority, from the configured targets and calendar.</summary>
public sealed class SlaClock
{
    private readonly SlaOptions _options;
    private readonly BusinessCalendar _calendar;

    public SlaClock(IOptions<SlaOptions> options)
    {
        _options = options.Value;
        _calendar = new BusinessCalendar(_options.BusinessHours);
        TimeZone = _options.BusinessHours.TryGetTimeZone() ?? TimeZoneInfo.Utc;
    }

    /// <summary>The desk's business time zone: where due dates are shown to people.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>An instant as the desk's local time, for showing it to a requester.</summary>
    public DateTimeOffset ToBusinessTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZone);

    public SlaTarget TargetFor(Priority priority) => _options.Targets[priority];

    public DateTimeOffset FirstResponseDue(Priority priority, DateTimeOffset from) =>
        Advance(priority, from, TargetFor(priority).FirstResponse);

    public DateTimeOffset ResolutionDue(Priority priority, DateTimeOffset from) =>
        Advance(priority, from, TargetFor(priority).Resolution);

    /// <summary>When agents are warned that the first-response target is at risk (<see cref="SlaOptions.WarningThreshold"/> of it used).</summary>
    public DateTimeOffset FirstResponseWarning(Priority priority, DateTimeOffset from) =>
        Advance(priority, from, TargetFor(priority).FirstResponse * _options.WarningThreshold);

    /// <summary>When agents are warned that the resolution target is at risk, before any time spent Pending is added back.</summary>
    public DateTimeOffset ResolutionWarning(Priority priority, DateTimeOffset from) =>
        Advance(priority, from, TargetFor(priority).Resolution * _options.WarningThreshold);

    /// <summary>Moves a due date forward by a duration, on the same kind of clock as the priority's target.</summary>
    public DateTimeOffset Advance(Priority priority, DateTimeOffset from, TimeSpan duration) =>
        TargetFor(priority).BusinessHoursOnly ? _calendar.Add(from, duration) : from + duration;

    /// <summary>Adds working time on the business calendar, whatever the priority.</summary>
    public DateTimeOffset AddWorkingTime(DateTimeOffset from, TimeSpan duration) => _calendar.Add(from, duration);

    /// <summary>The time that counts against a priority's clock between two instants.</summary>
    public TimeSpan Elapsed(Priority priority, DateTimeOffset from, DateTimeOffset to) =>
        TargetFor(priority).BusinessHoursOnly ? _calendar.Between(from, to) : (to > from ? to - from : TimeSpan.Zero);
}
