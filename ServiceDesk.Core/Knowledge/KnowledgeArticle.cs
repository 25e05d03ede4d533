using ServiceDesk.Core.Catalogue;

namespace ServiceDesk.Core.Knowledge;

/// <summary>
/// A self-service answer to a common problem, in one language. The bot offers it before opening a
/// ticket (deflection); the same article in the other language shares its <see cref="Slug"/>.
/// </summary>
public sealed class KnowledgeArticle
{
    public long Id { get; set; }

    /// <summary>Stable key shared by the language versions of one article, e.g. <c>password-reset</c>.</summary>
    public required string Slug { get; set; }

    /// <summary><c>es</c> or <c>en</c>.</summary>
    public required string Language { get; set; }

    public required string Title { get; set; }

    /// <summary>The answer as plain text (short enough for an SMS conversation), steps on their own lines.</summary>
    public required string Body { get; set; }

    /// <summary>Words users type for this problem that the title and body may not contain, separated by commas.</summary>
    public string Keywords { get; set; } = "";

    /// <summary>The service a ticket about this problem belongs to.</summary>
    public int? ServiceId { get; set; }

    public Service? Service { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Counts the edits (a concurrency token): an update made from an older version is refused, not applied over a newer one.</summary>
    public int Version { get; set; } = 1;

    /// <summary>
    /// When an editor retired the article: it is no longer suggested or found, but the row stays, so tickets that
    /// recorded a deflection by it (their <c>SelfServiceResolved</c> event names its slug) keep their reference.
    /// </summary>
    public DateTimeOffset? RetiredAt { get; set; }
}
