using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Knowledge;

/// <summary>
/// Starting articles for a new desk, in Spanish and English, for the problems a service desk hears
/// most (passwords, MFA, VPN, e-mail, printers, laptops, Wi-Fi, Teams). Editors own them afterwards:
/// a desk that has any article is left alone.
/// </summary>
public static class KnowledgeSeeder
{
    private const string ResourceName = "ServiceDesk.Core.Knowledge.SeedArticles.json";

    public static async Task SeedAsync(ServiceDeskDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await db.KnowledgeArticles.AnyAsync(cancellationToken))
        {
            return;
        }

        var services = await db.Services.ToDictionaryAsync(s => s.Code, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var seed in Load())
        {
            foreach (var (language, version) in new[] { (Languages.English, seed.En), (Languages.Spanish, seed.Es) })
            {
                db.KnowledgeArticles.Add(new KnowledgeArticle
                {
                    Slug = seed.Slug,
                    Language = language,
                    Title = version.Title,
                    Body = version.Body,
                    Keywords = version.Keywords,
                    Service = seed.Service is { } code ? services.GetValueOrDefault(code) : null,
                    UpdatedAt = now,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The seed articles as shipped, each in both languages.</summary>
    public static IReadOnlyList<SeedArticle> Load()
    {
        using var stream = typeof(KnowledgeSeeder).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        return JsonSerializer.Deserialize<List<SeedArticle>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"{ResourceName} is empty.");
    }

    public sealed record SeedArticle(string Slug, string? Service, SeedVersion En, SeedVersion Es);

    public sealed record SeedVersion(string Title, string Keywords, string Body);
}
