namespace ServiceDesk.Core.Intake;

/// <summary>
/// How far the desk has read a source it pulls messages from (an IMAP folder), and which app instance
/// reads it right now. Several instances may share the database; only the lease holder reads the source.
/// </summary>
public sealed class SourceCheckpoint
{
    /// <summary>Names the source, e.g. <c>imap://desk@example.com@imap.example.com/INBOX</c>.</summary>
    public required string Source { get; set; }

    /// <summary>The source's epoch (IMAP UIDVALIDITY): when it changes, <see cref="Position"/> means nothing any more.</summary>
    public long Generation { get; set; }

    /// <summary>The last item fully taken in (the highest IMAP UID processed).</summary>
    public long Position { get; set; }

    /// <summary>The app instance reading the source; null when none holds the lease.</summary>
    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
