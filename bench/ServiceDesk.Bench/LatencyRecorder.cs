using System.Diagnostics;

namespace ServiceDesk.Bench;

/// <summary>Collects per-operation latencies from many writers and summarises them.</summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly double[] _milliseconds = new double[capacity];
    private int _count;

    public async Task<T> TimeAsync<T>(Func<Task<T>> operation)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await operation();
        var index = Interlocked.Increment(ref _count) - 1;
        _milliseconds[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return result;
    }

    /// <summary>Adds a latency measured elsewhere (e.g. from timestamps).</summary>
    public void Record(double milliseconds) => _milliseconds[Interlocked.Increment(ref _count) - 1] = milliseconds;

    public LatencySummary Summarise()
    {
        var sorted = _milliseconds.AsSpan(0, _count).ToArray();
        Array.Sort(sorted);
        return new LatencySummary(At(sorted, 0.50), At(sorted, 0.90), At(sorted, 0.99), sorted.Length == 0 ? 0 : sorted[^1]);
    }

    private static double At(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}

internal sealed record LatencySummary(double P50Ms, double P90Ms, double P99Ms, double MaxMs);
