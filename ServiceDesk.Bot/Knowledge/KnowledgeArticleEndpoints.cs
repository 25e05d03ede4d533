using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Knowledge;

/// <summary>
/// Maintenance of the knowledge base (<c>/api/knowledge/articles</c>): list, read, create, edit with optimistic
/// concurrency (ETag / If-Match, or the body's <c>version</c>) and retire. Behind the tickets API's key or an agent session.
/// </summary>
public static partial class KnowledgeArticleEndpoints
{
    public const int MaxKeywordLength = 100;

    // The columns' sizes (KnowledgeArticleConfiguration).
    private const int MaxSlugLength = 100;
    private const int MaxTitleLength = 200;
    private const int MaxBodyLength = 8000;
    private const int MaxKeywordsLength = 1000;

    public static void MapKnowledgeArticleEndpoints(this IEndpointRouteBuilder app)
    {
        var articles = app.MapGroup("/api/knowledge/articles").RequireAuthorization(TicketEndpoints.Policy).WithTags("Knowledge");
        articles.MapGet("", ListAsync)
            .WithName("ListKnowledgeArticles")
            .WithSummary("Knowledge articles by slug and language, a page at a time; retired ones only when asked.");
        articles.MapGet("/{id:long}", GetAsync)
            .WithName("GetKnowledgeArticle")
            .WithSummary("One article, retired or not, with its version as the ETag.");
        articles.MapPost("", CreateAsync)
            .WithName("CreateKnowledgeArticle")
            .WithSummary("A new article in one language; the bot suggests it and the search finds it at once.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        articles.MapPut("/{id:long}", UpdateAsync)
            .WithName("UpdateKnowledgeArticle")
            .WithSummary("Replaces title, body, keywords and service. Needs If-Match (the ETag read) or the body's version; a stale one is refused.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);
        articles.MapDelete("/{id:long}", RetireAsync)
            .WithName("RetireKnowledgeArticle")
            .WithSummary("Retires the article: no longer suggested or found; tickets it deflected keep their reference. If-Match optional.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    private static async Task<Results<Ok<PagedResult<KnowledgeArticleDetail>>, ValidationProblem>> ListAsync(
        ServiceDeskDbContext db, string? lang, string? slug, bool? includeRetired, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        validation.Language(nameof(lang), lang);
        validation.MaxLength(nameof(slug), slug, MaxSlugLength);
        validation.Page(page, pageSize);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var query = db.KnowledgeArticles.AsNoTracking();
        if (Languages.FromLocale(lang) is { } language)
        {
            query = query.Where(a => a.Language == language);
        }

        if (!string.IsNullOrWhiteSpace(slug))
        {
            query = query.Where(a => a.Slug == slug.Trim());
        }

        if (includeRetired != true)
        {
            query = query.Where(a => a.RetiredAt == null);
        }

        var size = pageSize ?? TicketEndpoints.DefaultPageSize;
        var number = page ?? 1;
        var total = await query.CountAsync(cancellationToken);
        var rows = await query
            .OrderBy(a => a.Slug).ThenBy(a => a.Language)
            .Skip((number - 1) * size)
            .Take(size)
            .Select(Row)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<KnowledgeArticleDetail>([.. rows.Select(r => r.ToDetail())], number, size, total));
    }

    private static async Task<Results<Ok<KnowledgeArticleDetail>, NotFound<ProblemDetails>>> GetAsync(
        long id, ServiceDeskDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var row = await db.KnowledgeArticles.AsNoTracking().Where(a => a.Id == id).Select(Row).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return NotFoundProblem(id);
        }

        SetETag(http, row.Version);
        return TypedResults.Ok(row.ToDetail());
    }

    private static async Task<Results<Created<KnowledgeArticleDetail>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateKnowledgeArticleRequest request, KnowledgeEditor editor, ServiceDeskDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        if (string.IsNullOrWhiteSpace(request.Slug))
        {
            validation.Add("slug", "The slug field is required.");
        }
        else if (request.Slug.Length > MaxSlugLength || !SlugPattern().IsMatch(request.Slug))
        {
            validation.Add("slug", $"The slug field must be lowercase letters and digits joined by hyphens (such as 'vpn-connect'), at most {MaxSlugLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(request.Language))
        {
            validation.Add("language", "The language field is required.");
        }
        else
        {
            validation.Language("language", request.Language);
        }

        var content = await ContentAsync(validation, request.Title, request.Body, request.Keywords, request.Service, db, cancellationToken);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var language = Languages.FromLocale(request.Language)!;
        var edit = await editor.CreateAsync(request.Slug!, language, content, cancellationToken);
        if (edit.Outcome == ArticleEditOutcome.SlugTaken)
        {
            return Problem(StatusCodes.Status409Conflict, "The article exists already", $"There is an article '{request.Slug}' in '{language}' already (retired ones included); edit it instead.", "article_exists");
        }

        var detail = await DetailAsync(db, edit.Article!.Id, cancellationToken);
        SetETag(http, detail.Version);
        return TypedResults.Created($"/api/knowledge/articles/{detail.Id}", detail);
    }

    private static async Task<Results<Ok<KnowledgeArticleDetail>, ValidationProblem, NotFound<ProblemDetails>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateKnowledgeArticleRequest request, KnowledgeEditor editor, ServiceDeskDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var ifMatch = IfMatch(http, validation);
        if (request.Version is < 0)
        {
            validation.Add("version", "The version field must be 0 or more.");
        }

        var content = await ContentAsync(validation, request.Title, request.Body, request.Keywords, request.Service, db, cancellationToken);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        if ((ifMatch ?? request.Version) is not { } expected)
        {
            if (!await db.KnowledgeArticles.AnyAsync(a => a.Id == id, cancellationToken))
            {
                return NotFoundProblem(id);
            }

            // Without the version the edit started from, a save could silently undo a colleague's.
            return Problem(StatusCodes.Status428PreconditionRequired, "The version edited is missing", "Send If-Match with the article's ETag, or the version field, from the read the edit started from.", "version_required");
        }

        var edit = await editor.UpdateAsync(id, expected, content, cancellationToken);
        switch (edit.Outcome)
        {
            case ArticleEditOutcome.NotFound:
                return NotFoundProblem(id);
            case ArticleEditOutcome.Stale:
                return StaleProblem(edit.Article!.Version, expected, ifMatch is not null);
            case ArticleEditOutcome.Retired:
                return Problem(StatusCodes.Status409Conflict, "The article is retired", "A retired article takes no more edits; create a new one.", "article_retired");
        }

        var detail = await DetailAsync(db, id, cancellationToken);
        SetETag(http, detail.Version);
        return TypedResults.Ok(detail);
    }

    private static async Task<Results<NoContent, ValidationProblem, NotFound<ProblemDetails>, ProblemHttpResult>> RetireAsync(
        long id, KnowledgeEditor editor, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var ifMatch = IfMatch(http, validation);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var edit = await editor.RetireAsync(id, ifMatch, cancellationToken);
        return edit.Outcome switch
        {
            ArticleEditOutcome.NotFound => NotFoundProblem(id),
            ArticleEditOutcome.Stale => StaleProblem(edit.Article!.Version, ifMatch!.Value, viaHeader: true),
            _ => TypedResults.NoContent(),
        };
    }

    /// <summary>Checks what an editor writes; the field errors go into <paramref name="validation"/>.</summary>
    private static async Task<ArticleContent> ContentAsync(
        RequestValidation validation, string? title, string? body, IReadOnlyList<string?>? keywords, string? service, ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        validation.Required("title", title, MaxTitleLength);
        validation.Required("body", body, MaxBodyLength);
        var words = new List<string>();
        for (var i = 0; i < (keywords?.Count ?? 0); i++)
        {
            var word = keywords![i]?.Trim();
            if (string.IsNullOrEmpty(word) || word.Length > MaxKeywordLength || word.Contains(',', StringComparison.Ordinal))
            {
                validation.Add($"keywords[{i}]", $"Each keyword must be 1 to {MaxKeywordLength} characters without commas.");
            }
            else if (!words.Contains(word, StringComparer.OrdinalIgnoreCase))
            {
                words.Add(word);
            }
        }

        if (string.Join(", ", words).Length > MaxKeywordsLength)
        {
            validation.Add("keywords", $"The keywords together must be at most {MaxKeywordsLength} characters.");
        }

        validation.MaxLength("service", service, 64);
        if (!string.IsNullOrWhiteSpace(service) && service.Length <= 64 && !await db.Services.AnyAsync(s => s.Code == service, cancellationToken))
        {
            validation.Add("service", $"There is no service '{service}' in the catalogue.");
        }

        return new ArticleContent(title?.Trim() ?? "", body?.Trim() ?? "", words, string.IsNullOrWhiteSpace(service) ? null : service);
    }

    /// <summary>The version an If-Match header names (<c>"3"</c>, weak or strong), or null without one.</summary>
    private static int? IfMatch(HttpContext http, RequestValidation validation)
    {
        var header = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        if (EntityTagHeaderValue.TryParse(header, out var tag)
            && int.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return version;
        }

        validation.Add("If-Match", "The If-Match header must be one ETag of this article, as GET returned it (such as \"3\").");
        return null;
    }

    private static void SetETag(HttpContext http, int version) =>
        http.Response.Headers.ETag = new EntityTagHeaderValue($"\"{version.ToString(CultureInfo.InvariantCulture)}\"").ToString();

    private static ProblemHttpResult StaleProblem(int current, int expected, bool viaHeader) => Problem(
        viaHeader ? StatusCodes.Status412PreconditionFailed : StatusCodes.Status409Conflict,
        "The article changed since it was read",
        $"The edit started from version {expected}, the article is at version {current}: read it again and reapply the change.",
        "version_stale");

    private static ProblemHttpResult Problem(int status, string title, string detail, string code) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } });

    private static NotFound<ProblemDetails> NotFoundProblem(long id) =>
        TypedResults.NotFound(new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Knowledge article not found",
            Detail = $"There is no knowledge article {id}.",
        });

    private static async Task<KnowledgeArticleDetail> DetailAsync(ServiceDeskDbContext db, long id, CancellationToken cancellationToken) =>
        (await db.KnowledgeArticles.AsNoTracking().Where(a => a.Id == id).Select(Row).FirstAsync(cancellationToken)).ToDetail();

    private static readonly System.Linq.Expressions.Expression<Func<KnowledgeArticle, ArticleRow>> Row = a =>
        new ArticleRow(a.Id, a.Slug, a.Language, a.Title, a.Body, a.Keywords, a.Service != null ? a.Service.Code : null, a.Version, a.UpdatedAt, a.RetiredAt);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();

    private sealed record ArticleRow(long Id, string Slug, string Language, string Title, string Body, string Keywords, string? Service, int Version, DateTimeOffset UpdatedAt, DateTimeOffset? RetiredAt)
    {
        public KnowledgeArticleDetail ToDetail() => new(
            Id, Slug, Language, Title, Body, Keywords.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Service, Version, UpdatedAt, RetiredAt);
    }
}

public sealed record CreateKnowledgeArticleRequest(string? Slug, string? Language, string? Title, string? Body, IReadOnlyList<string?>? Keywords, string? Service);

/// <param name="Version">The version the edit started from, when the If-Match header does not say it.</param>
public sealed record UpdateKnowledgeArticleRequest(string? Title, string? Body, IReadOnlyList<string?>? Keywords, string? Service, int? Version);

/// <param name="Version">Raised by every edit; also the response's ETag (<c>"3"</c>).</param>
/// <param name="RetiredAt">Set once retired: the article is kept for the tickets that name it but no longer suggested.</param>
public sealed record KnowledgeArticleDetail(
    long Id, string Slug, string Language, string Title, string Body, IReadOnlyList<string> Keywords, string? Service, int Version, DateTimeOffset UpdatedAt, DateTimeOffset? RetiredAt);
