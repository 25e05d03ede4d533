namespace ServiceDesk.Core.Problems;

/// <summary>ITIL problem lifecycle: investigated, understood (known error, with a workaround), fixed for good.</summary>
public enum ProblemStatus
{
    Open,

    /// <summary>The root cause is known and a workaround is documented; the permanent fix is pending.</summary>
    KnownError,
    Resolved,
    Closed,
}

/// <summary>
/// The underlying cause of one or more incidents (ITIL problem management). Incidents are linked to
/// it; the problem is worked separately from them and outlives each.
/// </summary>
public sealed class Problem
{
    public long Id { get; set; }

    public required string Title { get; set; }

    public string Description { get; set; } = "";

    public ProblemStatus Status { get; set; } = ProblemStatus.Open;

    public string? RootCause { get; set; }

    /// <summary>What agents tell affected users until the fix lands.</summary>
    public string? Workaround { get; set; }

    /// <summary>Who recorded it (<c>agent:{name}</c>).</summary>
    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>Problems are numbered apart from tickets: <c>PRB-12</c>.</summary>
    public static string NumberFor(long id) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRB-{id}");
}
