namespace ServiceDesk.Core.Sla;

/// <summary>
/// Working time arithmetic: adds a working duration to an instant, or measures the working time
/// between two instants, in the desk's time zone, skipping nights, weekends and holidays.
/// </summary>
public sealed class BusinessCalendar
{
    private readonly TimeZoneInfo _zone;
    private readonly TimeOnly _start;
    private readonly TimeOnly _end;
    private readonly HashSet<DayOfWeek> _days;
    private readonly HashSet<DateOnly> _holidays;

    public BusinessCalendar(BusinessHoursOptions options)
    {
        _zone = options.TryGetTimeZone() ?? throw new ArgumentException($"Unknown time zone '{options.TimeZone}'.", nameof(options));
        _start = options.Start;
        _end = options.End;
        _days = [.. options.WorkingDays];
        _holidays = [.. options.Holidays];
        if (_days.Count == 0 || _start >= _end)
        {
            throw new ArgumentException("Business hours need at least one day and Start before End.", nameof(options));
        }
    }

    /// <summary>The instant at which <paramref name="duration"/> of working time has elapsed after <paramref name="from"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset from, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero)
        {
            return from;
        }

        var remaining = duration;
        var local = TimeZoneInfo.ConvertTime(from, _zone).DateTime;
        var day = DateOnly.FromDateTime(local);
        var cursor = TimeOnly.FromDateTime(local);

        // Walk working windows forward; bounded because every week has at least one working day.
        for (var guard = 0; guard < 366 * 20; guard++)
        {
            if (IsWorkingDay(day) && cursor < _end)
            {
                var windowStart = cursor < _start ? _start : cursor;
                var available = _end - windowStart;
                if (remaining <= available)
                {
                    return ToInstant(day, windowStart.Add(remaining));
                }

                remaining -= available;
            }

            day = day.AddDays(1);
            cursor = TimeOnly.MinValue;
        }

        throw new InvalidOperationException("The business calendar has no working time ahead.");
    }

    /// <summary>The working time between two instants (zero when <paramref name="to"/> is not after <paramref name="from"/>).</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }

        var a = TimeZoneInfo.ConvertTime(from, _zone).DateTime;
        var b = TimeZoneInfo.ConvertTime(to, _zone).DateTime;
        var total = TimeSpan.Zero;
        for (var day = DateOnly.FromDateTime(a); day <= DateOnly.FromDateTime(b); day = day.AddDays(1))
        {
            if (!IsWorkingDay(day))
            {
                continue;
            }

            var windowStart = day.ToDateTime(_start);
            var windowEnd = day.ToDateTime(_end);
            var start = a > windowStart ? a : windowStart;
            var end = b < windowEnd ? b : windowEnd;
            if (end > start)
            {
                total += end - start;
            }
        }

        return total;
    }

    private bool IsWorkingDay(DateOnly day) => _days.Contains(day.DayOfWeek) && !_holidays.Contains(day);

    private DateTimeOffset ToInstant(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        if (_zone.IsInvalidTime(local))
        {
            local = local.AddHours(1); // inside a spring-forward gap: the first valid minute after it
        }

        return new DateTimeOffset(local, _zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
