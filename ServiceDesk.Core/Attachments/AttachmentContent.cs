namespace ServiceDesk.Core.Attachments;

/// <summary>
/// The bytes of a file that came with a message, stored in the database so that every app instance can serve it.
/// Keyed by the SHA-256 of the content: the same logo in a thousand signatures is stored once.
/// </summary>
public sealed class AttachmentContent
{
    /// <summary>Lower-case hex SHA-256 of <see cref="Content"/>.</summary>
    public required string Sha256 { get; set; }

    public required string ContentType { get; set; }

    public long Size { get; set; }

    public required byte[] Content { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
