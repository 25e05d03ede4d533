using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary><c>GET /api/knowledge</c> through the real host.</summary>
[Collection(HostCollection.Name)]
public class KnowledgeApiTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Search_ranks_articles_in_the_language_asked(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();

        var found = await client.GetFromJsonAsync<JsonObject>("/api/knowledge?q=la%20VPN%20no%20conecta&lang=es&limit=2");

        var items = found!["items"]!.AsArray();
        Assert.Equal("es", (string)found["language"]!);
        Assert.Equal(2, items.Count);
        Assert.Equal("vpn-connect", (string)items[0]!["slug"]!);
        Assert.Equal("La VPN no conecta", (string)items[0]!["title"]!);
        Assert.Equal("vpn", (string)items[0]!["service"]!);
        Assert.All(items, i => Assert.Equal("es", (string)i!["language"]!));
        Assert.True((double)items[0]!["score"]! >= (double)items[1]!["score"]!);
        Assert.Contains("vpn", items[0]!["keywords"]!.AsArray().Select(k => (string)k!));

        var anyLanguage = await client.GetFromJsonAsync<JsonObject>("/api/knowledge?q=Outlook");
        Assert.Null(anyLanguage!["language"]);
        Assert.Equal(["en", "es"], anyLanguage["items"]!.AsArray().Select(i => (string)i!["language"]!).Distinct().Order());
    }

    [Theory]
    [InlineData("/api/knowledge", "q")]
    [InlineData("/api/knowledge?q=%20", "q")]
    [InlineData("/api/knowledge?q=vpn&lang=fr", "lang")]
    [InlineData("/api/knowledge?q=vpn&limit=0", "limit")]
    [InlineData("/api/knowledge?q=vpn&limit=51", "limit")]
    public async Task Bad_input_gets_a_validation_problem(string url, string field)
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task It_needs_an_api_key_and_is_described_in_openapi()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var anonymous = factory.CreateClient();

        var refused = await anonymous.GetAsync("/api/knowledge?q=vpn");
        var document = await anonymous.GetFromJsonAsync<JsonObject>("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var operation = document!["paths"]!["/api/knowledge"]!["get"]!;
        Assert.Equal("SearchKnowledge", (string)operation["operationId"]!);
        Assert.Equal(["q", "lang", "limit"], operation["parameters"]!.AsArray().Select(p => (string)p!["name"]!));
    }
}
