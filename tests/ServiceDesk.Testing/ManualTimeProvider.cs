namespace ServiceDesk.Testing;

/// <summary>A clock the test moves by hand.</summary>
/// <remarks>
/// Timers made from it (<c>Task.Delay(delay, time)</c>, <see cref="TimeProvider.CreateTimer"/>) run on real time unless
/// <see cref="ManualTimers"/> is set: then they fire only when the test moves the clock past their due time, so a
/// test checks a pause's length and ends it at once instead of waiting for it.
/// </remarks>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = start.UtcTicks;

    /// <summary>Timers fire when the clock is moved, not on real time.</summary>
    public bool ManualTimers { get; init; }

    public DateTimeOffset Now => GetUtcNow();

    /// <summary>How long until each waiting manual timer fires, soonest first.</summary>
    public IReadOnlyList<TimeSpan> PendingTimers
    {
        get
        {
            lock (_lock)
            {
                var now = Now;
                return [.. _timers.Select(t => t.DueAt!.Value - now).Order()];
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _ticks, by.Ticks);
        FireDue();
    }

    public void Set(DateTimeOffset to)
    {
        Interlocked.Exchange(ref _ticks, to.UtcTicks);
        FireDue();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!ManualTimers)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Runs the callbacks of the timers now due, earliest first, on the thread that moved the clock.</summary>
    private void FireDue()
    {
        while (true)
        {
            ManualTimer? due;
            lock (_lock)
            {
                var now = Now;
                due = _timers.Where(t => t.DueAt <= now).MinBy(t => t.DueAt);
                if (due is null)
                {
                    return;
                }

                if (due.Period > TimeSpan.Zero && due.Period != Timeout.InfiniteTimeSpan)
                {
                    due.DueAt += due.Period;
                }
                else
                {
                    due.DueAt = null;
                    _timers.Remove(due);
                }
            }

            due.Callback(due.State);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                if (_disposed)
                {
                    return false;
                }

                clock._timers.Remove(this);
                Period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.Now + dueTime;
                if (DueAt is not null)
                {
                    clock._timers.Add(this);
                }
            }

            // Even a timer due at once waits for the clock to move (Advance(TimeSpan.Zero)): firing it here would run
            // the callback before the caller (Task.Delay) has finished setting it up.
            return true;
        }

        public void Dispose()
        {
            lock (clock._lock)
            {
                _disposed = true;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
