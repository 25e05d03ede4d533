using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary>The tickets REST API through the real host, on SQLite and on PostgreSQL.</summary>
[Collection(HostCollection.Name)]
public class TicketsApiTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Create_read_update_and_comment_on_a_ticket(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();

        var created = await client.PostAsJsonAsync("/api/tickets", new
        {
            title = "VPN down",
            description = "Cannot connect from home",
            impact = "High",
            urgency = "Medium",
            service = "vpn",
            requester = new { name = "Ana García", email = "Ana@Example.com", language = "es" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ticket = await created.Content.ReadFromJsonAsync<JsonObject>();
        var number = (string)ticket!["ticket"]!["number"]!;
        Assert.Equal($"/api/tickets/{number}", created.Headers.Location!.OriginalString);
        Assert.Equal("P2", (string)ticket["ticket"]!["priority"]!);
        Assert.Equal("Network", (string)ticket["ticket"]!["group"]!);

        // The acknowledgement goes out by e-mail, in the requester's language, through a real Hangfire job.
        await factory.Email.WaitForAsync(1, TimeSpan.FromSeconds(30));
        var ack = Assert.Single(factory.Email.Sent);
        Assert.Equal("ana@example.com", ack.Recipient);
        Assert.Contains(number, ack.Body);
        Assert.StartsWith("Hola Ana García", ack.Body);

        var patched = await client.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending", urgency = "High", assignee = "eva" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var updated = await patched.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Pending", (string)updated!["ticket"]!["status"]!);
        Assert.Equal("P1", (string)updated["ticket"]!["priority"]!);
        Assert.Equal("eva", (string)updated["ticket"]!["assignee"]!);
        await factory.Email.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Contains("espera de información", factory.Email.Sent.Last().Body);

        var reply = await client.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "¿Qué error ves?", author = "Eva" });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var note = await client.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Looks like the VPN certificate", visibility = "Internal" });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        await factory.Email.WaitForAsync(3, TimeSpan.FromSeconds(30));
        Assert.Contains("¿Qué error ves?", factory.Email.Sent.Last().Body);

        var detail = await client.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}");
        var messages = detail!["messages"]!.AsArray();
        Assert.Equal(4, messages.Count); // ack, status notice, public reply, internal note
        Assert.Contains(messages, m => (string)m!["visibility"]! == "Internal" && (string)m["body"]! == "Looks like the VPN certificate");
        var events = detail["events"]!.AsArray().Select(e => (string)e!["kind"]!).ToList();
        Assert.Contains("Created", events);
        Assert.Contains("StatusChanged", events);
        Assert.Contains("PriorityChanged", events);
        Assert.Contains("AssigneeChanged", events);
        Assert.Contains("FirstResponse", events);
        Assert.Contains("InternalNote", events);
        Assert.Equal(3, factory.Email.Sent.Count); // the internal note went nowhere
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Listing_filters_and_pages(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();
        for (var i = 0; i < 7; i++)
        {
            var response = await client.PostAsJsonAsync("/api/tickets", new
            {
                title = $"Ticket {i}",
                description = "x",
                requester = new { email = i % 2 == 0 ? "even@example.com" : "odd@example.com" },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var page1 = await client.GetFromJsonAsync<JsonObject>("/api/tickets?pageSize=3");
        var page3 = await client.GetFromJsonAsync<JsonObject>("/api/tickets?pageSize=3&page=3");
        var even = await client.GetFromJsonAsync<JsonObject>("/api/tickets?requester=even@example.com&status=New&channel=web");
        var none = await client.GetFromJsonAsync<JsonObject>("/api/tickets?status=Closed");

        Assert.Equal(7, (int)page1!["total"]!);
        Assert.Equal(["Ticket 6", "Ticket 5", "Ticket 4"], page1["items"]!.AsArray().Select(t => (string)t!["title"]!));
        Assert.Equal(["Ticket 0"], page3!["items"]!.AsArray().Select(t => (string)t!["title"]!));
        Assert.Equal(4, (int)even!["total"]!);
        Assert.Equal(0, (int)none!["total"]!);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_groups_mailbox_is_set_validated_and_removed(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();

        var groups = (await client.GetFromJsonAsync<JsonArray>("/api/groups"))!;
        Assert.Equal(["Collaboration", "Network", "Service Desk", "Workplace"], groups.Select(g => (string)g!["name"]!));
        Assert.All(groups, g => Assert.Null((string?)g!["email"]));
        Assert.Equal("L1", (string)groups.Single(g => (string)g!["name"]! == "Service Desk")!["tier"]!);

        var set = await client.PatchAsJsonAsync("/api/groups/Service%20Desk", new { email = " Desk-Team@Example.com " });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("desk-team@example.com", (string)(await set.Content.ReadFromJsonAsync<JsonObject>())!["email"]!);

        var invalid = await client.PatchAsJsonAsync("/api/groups/Network", new { email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.NotNull((await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["email"]);
        var missing = await client.PatchAsJsonAsync("/api/groups/Network", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var unknown = await client.PatchAsJsonAsync("/api/groups/Nobody", new { email = "x@example.com" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var anonymous = await factory.CreateClient().PatchAsJsonAsync("/api/groups/Network", new { email = "x@example.com" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // The SLA watch reads it from the database: what the API stored, and nothing from the refused requests.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>().AssignmentGroups.AsNoTracking()
                .OrderBy(g => g.Name).Select(g => g.Email).ToListAsync();
            Assert.Equal([null, null, "desk-team@example.com", null], stored);
        }

        var removed = await client.PatchAsJsonAsync("/api/groups/Service%20Desk", new { email = "" });
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var after = await client.GetFromJsonAsync<JsonArray>("/api/groups");
        Assert.All(after!, g => Assert.Null((string?)g!["email"]));
    }

    [Fact]
    public async Task Requests_without_a_valid_key_are_refused()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var anonymous = factory.CreateClient();
        var wrongKey = factory.CreateClient();
        wrongKey.DefaultRequestHeaders.Add("X-Api-Key", "nope");

        var noKey = await anonymous.GetAsync("/api/tickets");
        var badKey = await wrongKey.PostAsJsonAsync("/api/tickets", new { title = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        var list = await factory.CreateApiClient().GetFromJsonAsync<JsonObject>("/api/tickets");
        Assert.Equal(0, (int)list!["total"]!);
    }

    [Fact]
    public async Task Bad_input_gets_field_errors_and_writes_nothing()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();

        var missing = await client.PostAsJsonAsync("/api/tickets", new { title = "", requester = new { email = "not-an-email", phone = "123" } });
        var badEnum = await client.PostAsync("/api/tickets", Json("""{"title":"x","description":"y","impact":"Huge","requester":{"email":"a@b.co"}}"""));
        var malformed = await client.PostAsync("/api/tickets", Json("""{"title": "x", """));
        var badQuery = await client.GetAsync("/api/tickets?status=Lost&pageSize=1000");
        var unknownService = await client.PostAsJsonAsync("/api/tickets", new { title = "x", description = "y", service = "coffee", requester = new { email = "a@b.co" } });

        // Enums by name only, and only names the enum defines: a number would be stored (or crash) as it came.
        var numericImpact = await client.PostAsync("/api/tickets", Json("""{"title":"x","description":"y","impact":9,"requester":{"email":"a@b.co"}}"""));
        var numericType = await client.PostAsync("/api/tickets", Json("""{"title":"x","description":"y","type":7,"requester":{"email":"a@b.co"}}"""));
        var numericString = await client.PostAsync("/api/tickets", Json("""{"title":"x","description":"y","urgency":"2","requester":{"email":"a@b.co"}}"""));

        var errors = await Errors(missing);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("title", errors);
        Assert.Contains("description", errors);
        Assert.Contains("requester.email", errors);
        Assert.Contains("requester.phone", errors);
        Assert.Equal(HttpStatusCode.BadRequest, badEnum.StatusCode);
        Assert.Contains("impact", await Errors(badEnum));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        Assert.Equal(["pageSize", "status"], (await Errors(badQuery)).Order());
        Assert.Contains("service", await Errors(unknownService));
        foreach (var (response, field) in new[] { (numericImpact, "impact"), (numericType, "type"), (numericString, "urgency") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(field, await Errors(response));
        }

        var list = await client.GetFromJsonAsync<JsonObject>("/api/tickets");
        Assert.Equal(0, (int)list!["total"]!);
    }

    [Fact]
    public async Task Bad_changes_get_field_errors_and_change_nothing()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();
        var created = await client.PostAsJsonAsync("/api/tickets", new { title = "x", description = "y", requester = new { email = "a@b.co" } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        var before = await TicketAndEventsAsync(client, number);

        var numericPriority = await client.PatchAsync($"/api/tickets/{number}", Json("""{"priority":9}"""));
        var numericStatus = await client.PatchAsync($"/api/tickets/{number}", Json("""{"status":3}"""));
        var combined = await client.PatchAsync($"/api/tickets/{number}", Json("""{"priority":"P2, P4"}"""));
        var unknownService = await client.PatchAsJsonAsync($"/api/tickets/{number}", new { service = "coffee" });
        var unknownGroup = await client.PatchAsJsonAsync($"/api/tickets/{number}", new { group = "Catering", status = "Open" });
        var numericVisibility = await client.PostAsync($"/api/tickets/{number}/comments", Json("""{"body":"hi","visibility":5}"""));

        foreach (var (response, field) in new[]
        {
            (numericPriority, "priority"), (numericStatus, "status"), (combined, "priority"), (unknownService, "service"), (unknownGroup, "group"),
            (numericVisibility, "visibility"),
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(field, await Errors(response));
        }

        Assert.Equal(before, await TicketAndEventsAsync(client, number));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_requester_whose_email_and_phone_are_two_contacts_is_a_field_error(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/tickets", new { title = "a", description = "a", requester = new { email = "ana@example.com" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/tickets", new { title = "b", description = "b", requester = new { phone = "+34600123456" } })).StatusCode);

        var mixed = await client.PostAsJsonAsync("/api/tickets", new { title = "c", description = "c", requester = new { email = "ANA@example.com", phone = "+34 600 123 456" } });

        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        var body = await mixed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("belongs to another contact", body.GetProperty("errors").GetProperty("requester.phone")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (int)(await client.GetFromJsonAsync<JsonObject>("/api/tickets"))!["total"]!);

        // A phone nobody has yet joins the e-mail's contact.
        var joined = await client.PostAsJsonAsync("/api/tickets", new { title = "d", description = "d", requester = new { email = "ana@example.com", phone = "+34600999888" } });
        Assert.Equal(HttpStatusCode.Created, joined.StatusCode);
        var identities = (await joined.Content.ReadFromJsonAsync<JsonObject>())!["requester"]!["identities"]!.AsArray().Select(i => (string)i!).ToList();
        Assert.Equal(["email:ana@example.com", "sms:+34600999888"], identities.Order());
    }

    [Fact]
    public async Task Unknown_tickets_are_404_and_broken_rules_409()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateApiClient();
        var created = await client.PostAsJsonAsync("/api/tickets", new { title = "x", description = "y", requester = new { email = "a@b.co" } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/tickets/SD-999999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/tickets/banana")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsJsonAsync("/api/tickets/SD-999999", new { status = "Open" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/tickets/SD-999999/comments", new { body = "hi" })).StatusCode);

        var invalid = await client.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Closed" });
        Assert.Equal(HttpStatusCode.Conflict, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("invalid_transition", (string)problem!["code"]!);
        Assert.Contains("New to Closed", (string)problem["detail"]!);
        var detail = await client.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}");
        Assert.Equal("New", (string)detail!["ticket"]!["status"]!);
    }

    [Fact]
    public async Task Health_readiness_and_the_openapi_document_are_served()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal("Healthy", await client.GetStringAsync("/readyz"));
        var openApi = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = openApi!["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/tickets"));
        Assert.True(paths.ContainsKey("/api/tickets/{number}"));
        Assert.True(paths.ContainsKey("/api/tickets/{number}/comments"));
    }

    [Fact]
    public async Task Readiness_fails_when_the_database_is_unreachable()
    {
        var server = await Testing.PostgresServer.GetAsync();
        var connection = await server.CreateDatabaseAsync("ready");
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.PostgreSql, connection);
        var client = factory.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/readyz"));

        // Drop the database under the running app: readiness must say so, liveness must not.
        await using (var admin = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(connection) { Database = "postgres" }.ConnectionString))
        {
            await admin.OpenAsync();
            var name = new Npgsql.NpgsqlConnectionStringBuilder(connection).Database;
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    /// <summary>The ticket's fields and its timeline (not its messages, whose delivery state moves on by itself).</summary>
    private static async Task<string> TicketAndEventsAsync(HttpClient client, string number)
    {
        var detail = await client.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}");
        return detail!["ticket"]!.ToJsonString() + detail["events"]!.ToJsonString();
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<List<string>> Errors(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection
{
    // Hangfire keeps its storage in a static: hosts run one at a time.
    public const string Name = "host";
}
