using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>BM25 ranking over the shipped articles, text normalisation, and the index kept current from the database.</summary>
public class KnowledgeSearchTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    private static readonly Bm25Index Seeded = new(SeedEntries());

    [Theory]
    [InlineData("I forgot my password and cannot log in", "en", "password-reset")]
    [InlineData("My VPN does not connect from home", "en", "vpn-connect")]
    [InlineData("the printer in room 2 says offline", "en", "printer-not-printing")]
    [InlineData("microphone not working in a Teams meeting", "en", "teams-audio-video")]
    [InlineData("he olvidado la contraseña", "es", "password-reset")]
    [InlineData("Outlook no recibe correos desde ayer", "es", "outlook-not-syncing")]
    [InlineData("mi portátil no enciende", "es", "laptop-wont-start")]
    [InlineData("no me llegan los códigos del autenticador en el móvil nuevo", "es", "mfa-new-phone")]
    [InlineData("no puedo conectarme al wifi de la oficina", "es", "wifi-connect")]
    public void The_relevant_article_ranks_first(string query, string language, string expected)
    {
        var hits = Seeded.Search(query, language, 3);

        Assert.Equal(expected, hits[0].Article.Slug);
        Assert.All(hits.Skip(1), h => Assert.True(h.Score <= hits[0].Score));
    }

    [Fact]
    public void Case_and_accents_do_not_matter()
    {
        var reference = Seeded.Search("contraseña caducada", "es", 5);

        Assert.NotEmpty(reference);
        Assert.Equal(reference, Seeded.Search("CONTRASENA CADUCADA", "es", 5));
        Assert.Equal(reference, Seeded.Search("Contraséña Cadúcada", "es", 5));
    }

    [Fact]
    public void Hyphenated_and_plural_words_meet_their_plain_forms()
    {
        Assert.Equal(Seeded.Search("wifi", "en", 3), Seeded.Search("Wi-Fi", "en", 3));
        Assert.Equal("printer-not-printing", Seeded.Search("printers", "en", 1)[0].Article.Slug);
        Assert.Equal("printer-not-printing", Seeded.Search("impresoras", "es", 1)[0].Article.Slug);
    }

    [Fact]
    public void The_language_filter_keeps_to_one_language()
    {
        Assert.All(Seeded.Search("Outlook", "es", 10), h => Assert.Equal("es", h.Article.Language));
        Assert.All(Seeded.Search("Outlook", "en", 10), h => Assert.Equal("en", h.Article.Language));
        var both = Seeded.Search("Outlook", language: null, 10);
        Assert.Contains(both, h => h.Article.Language == "es");
        Assert.Contains(both, h => h.Article.Language == "en");
        Assert.Empty(Seeded.Search("Outlook", "fr", 10));
    }

    [Theory]
    [InlineData("the coffee machine is empty again")]
    [InlineData("the and of to")]
    [InlineData("tengo un problema, necesito ayuda")]
    [InlineData("")]
    public void Unrelated_or_empty_queries_find_nothing_relevant(string query)
    {
        var hits = Seeded.Search(query, "en", 3).Concat(Seeded.Search(query, "es", 3));

        // Below the score the bot asks for before it offers an article.
        Assert.All(hits, h => Assert.True(h.Score < 3.5, $"{h.Article.Slug} scored {h.Score} for '{query}'"));
    }

    [Fact]
    public void A_word_in_the_title_weighs_more_than_the_same_word_in_a_body()
    {
        var index = new Bm25Index(
        [
            new KnowledgeEntry(1, "in-body", "en", "Laptop care", "Keep the scanner glass clean and dry.", [], null),
            new KnowledgeEntry(2, "in-title", "en", "Scanner glass", "Keep it clean and dry.", [], null),
            new KnowledgeEntry(3, "other", "en", "Docking stations", "Unplug and plug again.", [], null),
        ]);

        var hits = index.Search("scanner", "en", 3);

        Assert.Equal(["in-title", "in-body"], hits.Select(h => h.Article.Slug));
    }

    [Fact]
    public void A_rare_word_outweighs_a_common_one()
    {
        var index = new Bm25Index(
        [
            new KnowledgeEntry(1, "a", "en", "Screen", "screen flickers", [], null),
            new KnowledgeEntry(2, "b", "en", "Screen", "screen is black", [], null),
            new KnowledgeEntry(3, "c", "en", "Screen", "screen and docking station", [], null),
            new KnowledgeEntry(4, "d", "en", "Keyboard", "keyboard types wrong letters", [], null),
        ]);

        // "screen" is in three of four articles, "docking" in one: the article with both wins clearly.
        var hits = index.Search("screen docking", "en", 4);

        Assert.Equal("c", hits[0].Article.Slug);
        Assert.True(hits[0].Score > 2 * hits[1].Score);
    }

    [Fact]
    public void Every_seed_article_exists_in_both_languages_with_a_known_service()
    {
        var seeds = KnowledgeSeeder.Load();
        string[] services = ["general", "email", "teams", "vpn", "wifi", "account", "laptop"];

        Assert.True(seeds.Count >= 12);
        Assert.Equal(seeds.Count, seeds.Select(s => s.Slug).Distinct().Count());
        Assert.All(seeds, s =>
        {
            Assert.Contains(s.Service, services);
            foreach (var version in new[] { s.En, s.Es })
            {
                Assert.False(string.IsNullOrWhiteSpace(version.Title));
                Assert.False(string.IsNullOrWhiteSpace(version.Body));
                Assert.False(string.IsNullOrWhiteSpace(version.Keywords));
            }

            Assert.NotEqual(s.En.Body, s.Es.Body);
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_new_desk_is_seeded_and_the_index_follows_changes_to_the_articles(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var search = sp.GetRequiredService<KnowledgeSearch>();
            Assert.Equal(2 * KnowledgeSeeder.Load().Count, await db.KnowledgeArticles.CountAsync());
            Assert.Equal("vpn", (await db.KnowledgeArticles.Include(a => a.Service).FirstAsync(a => a.Slug == "vpn-connect" && a.Language == "es")).Service!.Code);
            Assert.Equal("vpn-connect", (await search.SearchAsync("la VPN no conecta", "es", 3, CancellationToken.None))[0].Article.Slug);
            Assert.Empty(await search.SearchAsync("kaffeemaschine", "en", 3, CancellationToken.None));

            // Added by another instance, say: the next search sees it.
            var article = new KnowledgeArticle { Slug = "coffee", Language = "en", Title = "Kaffeemaschine descaling", Body = "Run the descaling program.", UpdatedAt = desk.Time.Now };
            db.KnowledgeArticles.Add(article);
            await db.SaveChangesAsync();
            Assert.Equal("coffee", Assert.Single(await search.SearchAsync("kaffeemaschine", "en", 3, CancellationToken.None)).Article.Slug);

            // Edited: the old wording is gone, the new one found.
            desk.Time.Advance(TimeSpan.FromMinutes(1));
            article.Title = "Espresso machine descaling";
            article.Body = "Run the descaling program on the espresso machine.";
            article.UpdatedAt = desk.Time.Now;
            await db.SaveChangesAsync();
            Assert.Empty(await search.SearchAsync("kaffeemaschine", "en", 3, CancellationToken.None));
            Assert.Equal("coffee", (await search.SearchAsync("espresso", "en", 3, CancellationToken.None))[0].Article.Slug);
        });
    }

    private static IEnumerable<KnowledgeEntry> SeedEntries()
    {
        long id = 0;
        foreach (var seed in KnowledgeSeeder.Load())
        {
            yield return new KnowledgeEntry(++id, seed.Slug, "en", seed.En.Title, seed.En.Body, seed.En.Keywords.Split(','), seed.Service);
            yield return new KnowledgeEntry(++id, seed.Slug, "es", seed.Es.Title, seed.Es.Body, seed.Es.Keywords.Split(','), seed.Service);
        }
    }
}
