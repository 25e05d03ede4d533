namespace ServiceDesk.Core.Priorities;

/// <summary>How widely a problem hurts the business.</summary>
public enum Impact
{
    High = 1,
    Medium = 2,
    Low = 3,
}

/// <summary>How soon the business needs it fixed.</summary>
public enum Urgency
{
    High = 1,
    Medium = 2,
    Low = 3,
}

/// <summary>ITIL priority: P1 (critical) to P4 (low).</summary>
public enum Priority
{
    P1 = 1,
    P2 = 2,
    P3 = 3,
    P4 = 4,
}

/// <summary>The ITIL impact × urgency matrix.</summary>
public static class PriorityMatrix
{
    // Rows: impact High, Medium, Low; columns: urgency High, Medium, Low.
    private static readonly Priority[,] Matrix =
    {
        { Priority.P1, Priority.P2, Priority.P3 },
        { Priority.P2, Priority.P3, Priority.P4 },
        { Priority.P3, Priority.P4, Priority.P4 },
    };

    public static Priority For(Impact impact, Urgency urgency)
    {
        if (!Enum.IsDefined(impact))
        {
            throw new ArgumentOutOfRangeException(nameof(impact));
        }

        if (!Enum.IsDefined(urgency))
        {
            throw new ArgumentOutOfRangeException(nameof(urgency));
        }

        return Matrix[(int)impact - 1, (int)urgency - 1];
    }
}
