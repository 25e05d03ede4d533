using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Knowledge;

/// <summary>
/// Searches the knowledge base. The index lives in memory and is rebuilt when the articles change;
/// a cheap fingerprint query per search notices a change made by any app instance.
/// </summary>
public sealed class KnowledgeSearch(ServiceDeskDbContext db, KnowledgeIndexCache cache)
{
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, string? language, int limit, CancellationToken cancellationToken)
    {
        var index = await IndexAsync(cancellationToken);
        return index.Search(query, language, limit);
    }

    private async Task<Bm25Index> IndexAsync(CancellationToken cancellationToken)
    {
        var fingerprint = await IntakeQueries.For(db).KnowledgeChange(db, cancellationToken) ?? KnowledgeFingerprint.Empty;
        if (cache.TryGet(fingerprint) is { } current)
        {
            return current;
        }

        var articles = await db.KnowledgeArticles.AsNoTracking()
            .Where(a => a.RetiredAt == null)
            .OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.Slug, a.Language, a.Title, a.Body, a.Keywords, ServiceCode = a.Service != null ? a.Service.Code : null })
            .ToListAsync(cancellationToken);
        var index = new Bm25Index(articles.Select(a => new KnowledgeEntry(
            a.Id, a.Slug, a.Language, a.Title, a.Body, SplitKeywords(a.Keywords), a.ServiceCode)));
        cache.Store(fingerprint, index);
        return index;
    }

    private static string[] SplitKeywords(string keywords) =>
        keywords.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Changes whenever an article is added, removed, edited or retired: every edit raises the article's
/// <see cref="KnowledgeArticle.Version"/>, so the sum moves even when instances' clocks disagree about <see cref="LastUpdate"/>.
/// </summary>
public sealed record KnowledgeFingerprint(int Count, DateTimeOffset LastUpdate, long VersionSum)
{
    public static readonly KnowledgeFingerprint Empty = new(0, DateTimeOffset.MinValue, 0);
}

/// <summary>The index built last, shared by every request of this app instance.</summary>
public sealed class KnowledgeIndexCache
{
    private Snapshot? _current;

    public Bm25Index? TryGet(KnowledgeFingerprint fingerprint)
    {
        var current = Volatile.Read(ref _current);
        return current is not null && current.Fingerprint == fingerprint ? current.Index : null;
    }

    // Two requests may build at the same time after a change: both indexes are equal, the last one stays.
    public void Store(KnowledgeFingerprint fingerprint, Bm25Index index) => Volatile.Write(ref _current, new Snapshot(fingerprint, index));

    private sealed record Snapshot(KnowledgeFingerprint Fingerprint, Bm25Index Index);
}
