using Hangfire;
using Hangfire.Common;

namespace ServiceDesk.Bot.Jobs;

/// <summary>
/// Hangfire's global job filters, less those the desk has no use for: each global filter runs on every job's
/// creation or state change, and an outbox delivery is a job.
/// </summary>
public static class DeskJobFilters
{
    /// <summary>
    /// Removes the filters Hangfire adds by default that the desk does not need; keeps automatic retries (the
    /// default for the periodic jobs; the delivery job sets its own attempts).
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><see cref="CaptureCultureAttribute"/> stores the enqueuing thread's culture with each job and sets it around
    /// the run: the desk's jobs format every text in the language of its recipient, never in the thread's culture.</item>
    /// <item><see cref="StatisticsHistoryAttribute"/> adds two counters (this hour's, this day's) per succeeded or failed
    /// job for the dashboard's history chart: the outbox rows are the desk's record of its deliveries. The
    /// dashboard's totals and its real-time chart do not depend on it.</item>
    /// <item><see cref="ContinuationsSupportAttribute"/> looks a job's continuations up each time one finishes: the desk
    /// creates no continuations.</item>
    /// </list>
    /// </remarks>
    public static void TrimDefaults(JobFilterCollection filters)
    {
        foreach (var unused in filters.Select(f => f.Instance)
                     .Where(f => f is CaptureCultureAttribute or StatisticsHistoryAttribute or ContinuationsSupportAttribute)
                     .ToList())
        {
            filters.Remove(unused);
        }
    }
}
