using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDesk.Bot.Api;
using ServiceDesk.Core;
using ServiceDesk.Core.Knowledge;

namespace ServiceDesk.Bot.Knowledge;

/// <summary>The knowledge base search (<c>GET /api/knowledge</c>), the same ranking the bot uses, behind the tickets API's key.</summary>
public static class KnowledgeEndpoints
{
    public const int DefaultLimit = 5;
    public const int MaxLimit = 50;
    public const int MaxQueryLength = 500;

    public static void MapKnowledgeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/knowledge", SearchAsync)
            .RequireAuthorization(TicketEndpoints.Policy)
            .WithTags("Knowledge")
            .WithName("SearchKnowledge")
            .WithSummary("Knowledge articles matching a query, best first (BM25 over title, keywords and body).");
        app.MapKnowledgeArticleEndpoints();
    }

    private static async Task<Results<Ok<KnowledgeSearchResult>, ValidationProblem>> SearchAsync(
        KnowledgeSearch knowledge, string? q, string? lang, int? limit, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        validation.Required(nameof(q), q, MaxQueryLength);
        validation.Language(nameof(lang), lang);
        if (limit is < 1 or > MaxLimit)
        {
            validation.Add(nameof(limit), $"The limit field must be between 1 and {MaxLimit}.");
        }

        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }

        var language = Languages.FromLocale(lang);
        var hits = await knowledge.SearchAsync(q!, language, limit ?? DefaultLimit, cancellationToken);
        return TypedResults.Ok(new KnowledgeSearchResult(
            q!.Trim(),
            language,
            [.. hits.Select(h => new KnowledgeArticleView(h.Article.Slug, h.Article.Language, h.Article.Title, h.Article.Body, h.Article.Keywords, h.Article.ServiceCode, h.Score))]));
    }
}

public sealed record KnowledgeSearchResult(string Query, string? Language, IReadOnlyList<KnowledgeArticleView> Items);

/// <param name="Score">The BM25 relevance: comparable within one answer, not across queries.</param>
public sealed record KnowledgeArticleView(string Slug, string Language, string Title, string Body, IReadOnlyList<string> Keywords, string? Service, double Score);
