namespace ServiceDesk.Core.Satisfaction;

/// <summary>A requester's customer-satisfaction (CSAT) answer about a resolved ticket: one per ticket, the latest answer counts.</summary>
public sealed class SatisfactionResponse
{
    public const int MinRating = 1;
    public const int MaxRating = 5;
    public const int MaxCommentLength = 2000;

    public long Id { get; set; }

    public long TicketId { get; set; }

    /// <summary>1 (poor) to 5 (excellent).</summary>
    public int Rating { get; set; }

    public string? Comment { get; set; }

    /// <summary>Where the answer came from.</summary>
    public Channel Channel { get; set; }

    /// <summary>When the latest answer arrived.</summary>
    public DateTimeOffset RespondedAt { get; set; }
}
