using System.ComponentModel.DataAnnotations;
using ServiceDesk.Core.Priorities;

namespace ServiceDesk.Core.Sla;

/// <summary>SLA targets per priority and the business-hours calendar (<c>Sla:*</c>).</summary>
public sealed class SlaOptions : IValidatableObject
{
    public const string SectionName = "Sla";

    public Dictionary<Priority, SlaTarget> Targets { get; set; } = new()
    {
        // P1 runs around the clock: an outage does not wait for Monday.
        [Priority.P1] = new() { FirstResponse = TimeSpan.FromMinutes(15), Resolution = TimeSpan.FromHours(4), BusinessHoursOnly = false },
        [Priority.P2] = new() { FirstResponse = TimeSpan.FromHours(1), Resolution = TimeSpan.FromHours(8) },
        [Priority.P3] = new() { FirstResponse = TimeSpan.FromHours(4), Resolution = TimeSpan.FromHours(24) },
        [Priority.P4] = new() { FirstResponse = TimeSpan.FromHours(8), Resolution = TimeSpan.FromHours(40) },
    };

    public BusinessHoursOptions BusinessHours { get; set; } = new();

    /// <summary>
    /// The share of a first-response or resolution target after which agents are warned that it is at risk
    /// (<c>Sla:WarningThreshold</c>, 0.75 = three quarters of the time used, on the target's own clock).
    /// </summary>
    public double WarningThreshold { get; set; } = 0.75;

    /// <summary>A ticket of a first-line group whose resolution target is breached moves to second line (<c>Sla:EscalateOnBreach</c>).</summary>
    public bool EscalateOnBreach { get; set; }

    /// <summary>
    /// The group (by name) that takes breached tickets whose service has no second-line group (<c>Sla:EscalationGroup</c>);
    /// empty: such tickets stay where they are.
    /// </summary>
    public string? EscalationGroup { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var priority in Enum.GetValues<Priority>())
        {
            if (!Targets.TryGetValue(priority, out var target))
            {
                yield return new ValidationResult($"Sla:Targets:{priority} is missing.");
                continue;
            }

            if (target.FirstResponse <= TimeSpan.Zero || target.Resolution <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Sla:Targets:{priority} needs positive FirstResponse and Resolution times.");
            }
        }

        if (!(WarningThreshold > 0 && WarningThreshold < 1))
        {
            yield return new ValidationResult($"Sla:WarningThreshold must be between 0 and 1 (exclusive), e.g. 0.75; it is {WarningThreshold}.");
        }

        if (EscalationGroup is { Length: > 200 })
        {
            yield return new ValidationResult("Sla:EscalationGroup names a group of at most 200 characters.");
        }

        if (BusinessHours.Start >= BusinessHours.End)
        {
            yield return new ValidationResult("Sla:BusinessHours:Start must be before Sla:BusinessHours:End.");
        }

        if (BusinessHours.Days.Any(d => !Enum.IsDefined(d)))
        {
            yield return new ValidationResult("Sla:BusinessHours:Days names a day that does not exist (use Monday … Sunday).");
        }

        if (BusinessHours.TryGetTimeZone() is null)
        {
            yield return new ValidationResult($"Sla:BusinessHours:TimeZone '{BusinessHours.TimeZone}' is not a known time zone.");
        }
    }
}

public sealed class SlaTarget
{
    public TimeSpan FirstResponse { get; set; }

    public TimeSpan Resolution { get; set; }

    /// <summary>When true the clock runs only during business hours.</summary>
    public bool BusinessHoursOnly { get; set; } = true;
}

public sealed class BusinessHoursOptions
{
    public string TimeZone { get; set; } = "Europe/Madrid";

    public TimeOnly Start { get; set; } = new(8, 0);

    public TimeOnly End { get; set; } = new(18, 0);

    /// <summary>Monday to Friday: the working days when <see cref="Days"/> names none.</summary>
    public static readonly IReadOnlyList<DayOfWeek> DefaultDays =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>
    /// The working days. Empty here on purpose: the configuration binder appends to a list, so a default in it
    /// could never be narrowed (<c>Days:0=Sunday</c> would mean Monday to Friday and Sunday). Empty means
    /// <see cref="DefaultDays"/>, applied once the options are bound.
    /// </summary>
    public List<DayOfWeek> Days { get; set; } = [];

    /// <summary>The days that count: <see cref="Days"/>, or Monday to Friday when it names none.</summary>
    public IReadOnlyList<DayOfWeek> WorkingDays => Days.Count > 0 ? Days : DefaultDays;

    public List<DateOnly> Holidays { get; set; } = [];

    internal TimeZoneInfo? TryGetTimeZone()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
}
