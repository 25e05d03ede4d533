using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Knowledge;

/// <summary>What an editor writes in an article; the slug and language name the article and do not change.</summary>
/// <param name="Keywords">Words users type for the problem, each without commas (they are stored comma-separated).</param>
/// <param name="ServiceCode">A service of the catalogue, or null.</param>
public sealed record ArticleContent(string Title, string Body, IReadOnlyList<string> Keywords, string? ServiceCode);

public enum ArticleEditOutcome
{
    Done,
    NotFound,

    /// <summary>The article changed since the version the editor started from: nothing was written.</summary>
    Stale,

    /// <summary>The article is retired: it takes no more edits.</summary>
    Retired,

    /// <summary>Another article has this slug in this language already.</summary>
    SlugTaken,
}

public sealed record ArticleEdit(ArticleEditOutcome Outcome, KnowledgeArticle? Article = null);

/// <summary>
/// Keeps the knowledge base current: create, edit (refused when made from an older version) and retire articles.
/// The search notices every change before its next query (<see cref="KnowledgeFingerprint"/>), on any instance.
/// </summary>
public sealed class KnowledgeEditor(ServiceDeskDbContext db, WriteTransaction transaction, TimeProvider time)
{
    public Task<ArticleEdit> CreateAsync(string slug, string language, ArticleContent content, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                // Checked inside the transaction, and again by the unique index: a concurrent create of the same slug
                // fails there, and the retry finds it here.
                if (await db.KnowledgeArticles.AnyAsync(a => a.Slug == slug && a.Language == language, ct))
                {
                    return new ArticleEdit(ArticleEditOutcome.SlugTaken);
                }

                var article = new KnowledgeArticle
                {
                    Slug = slug,
                    Language = language,
                    Title = content.Title,
                    Body = content.Body,
                    Keywords = string.Join(", ", content.Keywords),
                    ServiceId = await ServiceIdAsync(content.ServiceCode, ct),
                    UpdatedAt = time.GetUtcNow(),
                    Version = 1,
                };
                db.KnowledgeArticles.Add(article);
                await db.SaveChangesAsync(ct);
                return new ArticleEdit(ArticleEditOutcome.Done, article);
            },
            cancellationToken);

    /// <param name="expectedVersion">The version the editor read; any other makes the edit <see cref="ArticleEditOutcome.Stale"/>.</param>
    public Task<ArticleEdit> UpdateAsync(long id, int expectedVersion, ArticleContent content, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                var article = await db.KnowledgeArticles.FirstOrDefaultAsync(a => a.Id == id, ct);
                if (Refusal(article, expectedVersion) is { } refused)
                {
                    return refused;
                }

                article!.Title = content.Title;
                article.Body = content.Body;
                article.Keywords = string.Join(", ", content.Keywords);
                article.ServiceId = await ServiceIdAsync(content.ServiceCode, ct);
                Touch(article);

                // The version is a concurrency token: an edit committed since the read above fails this save, and the
                // transaction's retry reads the new version and answers Stale.
                await db.SaveChangesAsync(ct);
                return new ArticleEdit(ArticleEditOutcome.Done, article);
            },
            cancellationToken);

    /// <summary>
    /// Takes the article out of the bot's suggestions and the search. The row stays: tickets that recorded a
    /// deflection by it keep their reference. Retiring a retired article changes nothing.
    /// </summary>
    public Task<ArticleEdit> RetireAsync(long id, int? expectedVersion, CancellationToken cancellationToken) =>
        transaction.RunAsync(
            async ct =>
            {
                var article = await db.KnowledgeArticles.FirstOrDefaultAsync(a => a.Id == id, ct);
                if (article is { RetiredAt: not null } && (expectedVersion is null || expectedVersion == article.Version))
                {
                    return new ArticleEdit(ArticleEditOutcome.Done, article);
                }

                if (Refusal(article, expectedVersion ?? article?.Version ?? 0) is { } refused)
                {
                    return refused;
                }

                article!.RetiredAt = time.GetUtcNow();
                Touch(article);
                await db.SaveChangesAsync(ct);
                return new ArticleEdit(ArticleEditOutcome.Done, article);
            },
            cancellationToken);

    private static ArticleEdit? Refusal(KnowledgeArticle? article, int expectedVersion) => article switch
    {
        null => new ArticleEdit(ArticleEditOutcome.NotFound),
        _ when article.Version != expectedVersion => new ArticleEdit(ArticleEditOutcome.Stale, article),
        { RetiredAt: not null } => new ArticleEdit(ArticleEditOutcome.Retired, article),
        _ => null,
    };

    private void Touch(KnowledgeArticle article)
    {
        article.Version++;
        article.UpdatedAt = time.GetUtcNow();
    }

    private async Task<int?> ServiceIdAsync(string? code, CancellationToken ct) =>
        code is null ? null : await db.Services.Where(s => s.Code == code).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct);
}
