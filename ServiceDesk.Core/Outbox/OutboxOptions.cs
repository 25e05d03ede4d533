using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Core.Outbox;

/// <summary><c>Outbox:*</c>: delivery retries.</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string SectionName = "Outbox";

    [Range(1, 50, ErrorMessage = "Outbox:MaxAttempts must be between 1 and 50.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; doubles with each attempt up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Outbox:FirstRetryDelay must be between 1 second and 1 hour.")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Outbox:MaxRetryDelay must be between 1 second and 1 day.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A claim older than this belongs to a job that died; longer than any channel's request timeout. Too short,
    /// and sends still in flight would be marked Unconfirmed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Outbox:ClaimTimeout must be between 5 seconds and 1 day.")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a sweep hands undelivered rows to the job system again and marks claims older than
    /// <see cref="ClaimTimeout"/> unconfirmed: after an instance dies, the others finish its work within
    /// about <see cref="ClaimTimeout"/> + this. A whole number of seconds that divides a minute, or of minutes
    /// that divides an hour, so that it can be a cron schedule.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryDelay(int attempts)
    {
        var factor = Math.Pow(2, Math.Max(0, attempts - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(FirstRetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < FirstRetryDelay)
        {
            yield return new ValidationResult("Outbox:MaxRetryDelay must not be shorter than Outbox:FirstRetryDelay.");
        }

        var sweep = SweepInterval;
        var regular = sweep.Ticks % TimeSpan.TicksPerSecond == 0 && (sweep < TimeSpan.FromMinutes(1)
            ? sweep > TimeSpan.Zero && 60 % sweep.Seconds == 0
            : sweep.Ticks % TimeSpan.TicksPerMinute == 0 && sweep <= TimeSpan.FromHours(1) && 60 % (int)sweep.TotalMinutes == 0);
        if (!regular)
        {
            yield return new ValidationResult(
                $"{SectionName}:SweepInterval must be a whole number of seconds that divides a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 s) or of minutes that divides an hour (1 … 60 min); it is {sweep}.",
                [nameof(SweepInterval)]);
        }
    }
}
