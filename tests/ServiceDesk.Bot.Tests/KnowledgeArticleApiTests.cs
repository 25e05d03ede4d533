using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Tests.Dialog;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Tests;

/// <summary><c>/api/knowledge/articles</c> through the real host: the desk keeps its self-service base current.</summary>
[Collection(HostCollection.Name)]
public class KnowledgeArticleApiTests
{
    private const string Articles = "/api/knowledge/articles";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Create_update_and_retire_change_what_the_search_finds_at_once(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();
        Assert.Empty(await SearchAsync(client, "kyocera sótano", "es")); // the index is built, without the article

        var created = await client.PostAsJsonAsync(Articles, new
        {
            slug = "basement-copier",
            language = "es",
            title = "La fotocopiadora Kyocera del sótano no escanea",
            body = "1. Apágala y enciéndela.\n2. Elige 'Escanear a correo' y tu dirección.",
            keywords = new[] { "kyocera", "escáner", "fotocopiadora" },
            service = "general",
        });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var article = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (long)article["id"]!;
        Assert.Equal($"{Articles}/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        Assert.Equal((1, "es", "general"), ((int)article["version"]!, (string)article["language"]!, (string)article["service"]!));
        Assert.Equal(["kyocera", "escáner", "fotocopiadora"], article["keywords"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(["basement-copier"], await SearchAsync(client, "kyocera sótano", "es"));
        Assert.Empty(await SearchAsync(client, "kyocera sótano", "en"));

        // An edit from the version read: the new words are found, the old ones no longer.
        var read = await client.GetAsync($"{Articles}/{id}");
        var update = Put(id, new { title = "La fotocopiadora Ricoh del sótano no escanea", body = "Reinicia la Ricoh y elige 'Escanear a correo'.", keywords = new[] { "ricoh", "escáner" }, service = "general" });
        update.Headers.IfMatch.Add(read.Headers.ETag!);
        var updated = await client.SendAsync(update);

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("\"2\"", updated.Headers.ETag!.Tag);
        Assert.Equal(["basement-copier"], await SearchAsync(client, "ricoh", "es"));
        Assert.Empty(await SearchAsync(client, "kyocera", "es"));

        // Retired: the search drops it, the article itself stays readable.
        var retired = await client.DeleteAsync($"{Articles}/{id}");

        Assert.Equal(HttpStatusCode.NoContent, retired.StatusCode);
        Assert.Empty(await SearchAsync(client, "ricoh", "es"));
        var kept = await client.GetFromJsonAsync<JsonObject>($"{Articles}/{id}");
        Assert.NotNull(kept!["retiredAt"]);
        Assert.Equal(3, (int)kept["version"]!);
        Assert.DoesNotContain(id, await ListIdsAsync(client, $"{Articles}?lang=es&pageSize=200"));
        Assert.Contains(id, await ListIdsAsync(client, $"{Articles}?lang=es&pageSize=200&includeRetired=true"));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Articles}/{id}")).StatusCode); // retiring again changes nothing

        var edit = await client.SendAsync(Put(id, new { title = "t", body = "b", version = 3 }));
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Equal("article_retired", (string)(await edit.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);
        var again = await client.PostAsJsonAsync(Articles, new { slug = "basement-copier", language = "es", title = "Otra", body = "Otra." });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task A_stale_update_is_refused_and_overwrites_nothing(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();
        var id = await IdOfAsync(client, "vpn-connect", "en");
        var before = await client.GetAsync($"{Articles}/{id}");
        var version = int.Parse(before.Headers.ETag!.Tag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture);

        // Eva saves first; Luis, who read the same version, saves after her.
        var eva = Put(id, new { title = "VPN does not connect (GlobalProtect)", body = "Eva's steps.", keywords = new[] { "vpn" }, service = "vpn" });
        eva.Headers.IfMatch.Add(before.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(eva)).StatusCode);

        var luis = Put(id, new { title = "VPN", body = "Luis's steps.", service = "vpn" });
        luis.Headers.IfMatch.Add(before.Headers.ETag!);
        var refused = await client.SendAsync(luis);
        var luisByVersion = await client.SendAsync(Put(id, new { title = "VPN", body = "Luis's steps.", version }));
        var blind = await client.SendAsync(Put(id, new { title = "VPN", body = "Luis's steps." }));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Equal("version_stale", (string)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);
        Assert.Equal(HttpStatusCode.Conflict, luisByVersion.StatusCode);
        Assert.Equal((HttpStatusCode)428, blind.StatusCode);
        var now = await client.GetFromJsonAsync<JsonObject>($"{Articles}/{id}");
        Assert.Equal(("Eva's steps.", version + 1), ((string)now!["body"]!, (int)now["version"]!));

        // A stale retire is refused too.
        var retire = new HttpRequestMessage(HttpMethod.Delete, $"{Articles}/{id}");
        retire.Headers.IfMatch.Add(before.Headers.ETag!);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(retire)).StatusCode);
        Assert.Null((await client.GetFromJsonAsync<JsonObject>($"{Articles}/{id}"))!["retiredAt"]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Another_instance_on_the_same_database_sees_every_change_on_its_next_search(DatabaseProvider provider)
    {
        await using var first = await DeskFactory.CreateAsync(provider);
        var editor = first.CreateApiClient();
        Assert.NotEmpty(await SearchAsync(editor, "vpn", "en")); // migrated and seeded by the first instance
        await using var second = await DeskFactory.CreateAsync(provider, first.ConnectionString);
        var reader = second.CreateApiClient();
        Assert.Empty(await SearchAsync(reader, "zebra", "en")); // the second instance has its index

        var created = await (await editor.PostAsJsonAsync(Articles, new { slug = "badge-reader", language = "en", title = "The zebra badge reader beeps twice", body = "Hold the badge still for two seconds." }))
            .Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(["badge-reader"], await SearchAsync(reader, "zebra", "en"));

        var update = Put((long)created!["id"]!, new { title = "The turnstile badge reader beeps twice", body = "Hold the badge still for two seconds.", version = 1 });
        Assert.Equal(HttpStatusCode.OK, (await editor.SendAsync(update)).StatusCode);
        Assert.Empty(await SearchAsync(reader, "zebra", "en"));
        Assert.Equal(["badge-reader"], await SearchAsync(reader, "turnstile", "en"));

        Assert.Equal(HttpStatusCode.NoContent, (await editor.DeleteAsync($"{Articles}/{created["id"]}")).StatusCode);
        Assert.Empty(await SearchAsync(reader, "turnstile", "en"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task The_bot_suggests_a_new_article_in_its_language_and_a_retired_one_no_more_while_its_deflections_keep_it(DatabaseProvider provider)
    {
        await using var factory = (await DeskFactory.CreateAsync(provider)).With("Desk:DefaultLanguage", "es");
        var client = factory.CreateApiClient();
        const string Spanish = "El plóter del laboratorio atasca el papel";
        await client.PostAsJsonAsync(Articles, new { slug = "lab-plotter", language = "es", title = Spanish, body = "Quita el rollo, corta el borde y vuelve a cargarlo.", keywords = new[] { "plóter", "plotter", "laboratorio" } });
        await client.PostAsJsonAsync(Articles, new { slug = "lab-plotter", language = "en", title = "The lab plotter jams the paper", body = "Take the roll out, cut the edge and load it again.", keywords = new[] { "plotter", "lab" } });

        var ana = ChatUser.Sms(factory, "+34600111001");
        var offered = await ana.SayAsync("El plotter del laboratorio falla otra vez");
        Assert.Contains(Spanish, offered.Said());
        Assert.DoesNotContain("The lab plotter", offered.Said());
        var solved = await ana.SayAsync("1");
        var number = Assert.IsType<string>(solved.TicketNumber);

        var spanishId = await IdOfAsync(client, "lab-plotter", "es");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Articles}/{spanishId}")).StatusCode);

        var luis = ChatUser.Sms(factory, "+34600111002");
        var later = await luis.SayAsync("El plotter del laboratorio falla otra vez");
        Assert.DoesNotContain(Spanish, later.Said());

        // The deflection recorded before the retirement still names the article, and the article can still be read.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        var ticketId = long.Parse(number[3..], System.Globalization.CultureInfo.InvariantCulture);
        var deflection = await db.TicketEvents.Where(e => e.TicketId == ticketId && e.Kind == TicketEventKind.SelfServiceResolved).SingleAsync();
        Assert.Equal("lab-plotter", deflection.Detail);
        var list = await client.GetFromJsonAsync<JsonObject>($"{Articles}?slug=lab-plotter&includeRetired=true");
        Assert.Equal(2, (int)list!["total"]!);
    }

    [Theory]
    [InlineData("{}", "slug")]
    [InlineData("""{"slug":"Bad Slug","language":"es","title":"t","body":"b"}""", "slug")]
    [InlineData("""{"slug":"ok","language":"fr","title":"t","body":"b"}""", "language")]
    [InlineData("""{"slug":"ok","title":"t","body":"b"}""", "language")]
    [InlineData("""{"slug":"ok","language":"en","body":"b"}""", "title")]
    [InlineData("""{"slug":"ok","language":"en","title":"t","body":" "}""", "body")]
    [InlineData("""{"slug":"ok","language":"en","title":"t","body":"b","keywords":["a,b"]}""", "keywords[0]")]
    [InlineData("""{"slug":"ok","language":"en","title":"t","body":"b","service":"nope"}""", "service")]
    [InlineData("""{"slug":"ok","language":"en","title":"t","body":"b","keywords":"vpn"}""", "keywords")]
    public async Task Bad_input_gets_field_errors_and_stores_nothing(string json, string field)
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();
        var before = await TotalAsync(client);

        var response = await client.PostAsync(Articles, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey(field));
        Assert.Equal(before, await TotalAsync(client));
    }

    [Fact]
    public async Task Unknown_ids_are_404_bad_preconditions_400_and_a_bad_page_400()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();
        var id = await IdOfAsync(client, "vpn-connect", "en");

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Articles}/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Put(999999, new { title = "t", body = "b", version = 1 }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"{Articles}/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{Articles}?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{Articles}?lang=fr")).StatusCode);

        var badTag = Put(id, new { title = "t", body = "b" });
        badTag.Headers.TryAddWithoutValidation("If-Match", "\"abc\"");
        var response = await client.SendAsync(badTag);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey("If-Match"));
    }

    [Fact]
    public async Task Every_endpoint_needs_an_api_key_or_a_session_and_is_described_in_openapi()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var anonymous = factory.CreateClient();
        var id = await IdOfAsync(factory.CreateApiClient(), "vpn-connect", "en");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Articles)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"{Articles}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(Articles, new { slug = "x", language = "en", title = "t", body = "b" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Put(id, new { title = "t", body = "b", version = 1 }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"{Articles}/{id}")).StatusCode);
        Assert.Null((await factory.CreateApiClient().GetFromJsonAsync<JsonObject>($"{Articles}/{id}"))!["retiredAt"]);

        var document = await anonymous.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = document!["paths"]!;
        Assert.Equal("ListKnowledgeArticles", (string)paths[Articles]!["get"]!["operationId"]!);
        Assert.Equal("CreateKnowledgeArticle", (string)paths[Articles]!["post"]!["operationId"]!);
        Assert.Equal("GetKnowledgeArticle", (string)paths[Articles + "/{id}"]!["get"]!["operationId"]!);
        Assert.Equal("UpdateKnowledgeArticle", (string)paths[Articles + "/{id}"]!["put"]!["operationId"]!);
        Assert.Equal("RetireKnowledgeArticle", (string)paths[Articles + "/{id}"]!["delete"]!["operationId"]!);
        Assert.True(paths[Articles + "/{id}"]!["put"]!["responses"]!.AsObject().ContainsKey("412"));
    }

    private static HttpRequestMessage Put(long id, object body) => new(HttpMethod.Put, $"{Articles}/{id}") { Content = JsonContent.Create(body) };

    private static async Task<List<string>> SearchAsync(HttpClient client, string query, string language)
    {
        var found = await client.GetFromJsonAsync<JsonObject>($"/api/knowledge?q={Uri.EscapeDataString(query)}&lang={language}");
        return [.. found!["items"]!.AsArray().Select(i => (string)i!["slug"]!).Distinct()];
    }

    private static async Task<long> IdOfAsync(HttpClient client, string slug, string language)
    {
        var list = await client.GetFromJsonAsync<JsonObject>($"{Articles}?slug={slug}&lang={language}&includeRetired=true");
        return (long)list!["items"]!.AsArray().Single()!["id"]!;
    }

    private static async Task<List<long>> ListIdsAsync(HttpClient client, string url) =>
        [.. (await client.GetFromJsonAsync<JsonObject>(url))!["items"]!.AsArray().Select(i => (long)i!["id"]!)];

    private static async Task<int> TotalAsync(HttpClient client) =>
        (int)(await client.GetFromJsonAsync<JsonObject>($"{Articles}?includeRetired=true"))!["total"]!;
}
