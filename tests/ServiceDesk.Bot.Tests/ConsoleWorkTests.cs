using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.AgentConsole;
using ServiceDesk.Core;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>Ticket work through the console's forms, and the figures of the KPI page.</summary>
[Collection(HostCollection.Name)]
public class ConsoleWorkTests
{
    [Fact]
    public async Task An_agent_replies_changes_merges_and_links_a_problem_from_the_ticket_page()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var api = factory.CreateApiClient();
        var survivor = await CreateAsync(api, "VPN down", "ana@example.com");
        var duplicate = await CreateAsync(api, "VPN not working", "luis@example.com");
        await factory.Email.WaitForAsync(2, TimeSpan.FromSeconds(30)); // the acknowledgements
        var client = await ConsoleClient.SignedInAsync(factory);

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(client, survivor, "Comment", ("Body", "Please restart the VPN client."), ("Visibility", "Public"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(client, survivor, "Comment", ("Body", "Gateway looks overloaded"), ("Visibility", "Internal"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(client, survivor, "Update", ("Status", "Pending"), ("Priority", "P2"), ("Group", "Network"), ("Assignee", "Eva"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(client, duplicate, "Merge", ("Into", survivor))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(client, survivor, "NewProblem", ("Title", "VPN gateway saturates at 9:00"))).StatusCode);

        // Public reply, status notice and merge notice reach the requesters; the internal note does not.
        await factory.Email.WaitForAsync(5, TimeSpan.FromSeconds(30));
        var sent = factory.Email.Sent.Skip(2).ToList();
        Assert.Contains(sent, m => m.Recipient == "ana@example.com" && m.Body.Contains("Please restart the VPN client.", StringComparison.Ordinal));
        Assert.Contains(sent, m => m.Recipient == "ana@example.com" && m.Body.Contains("waiting for information from you", StringComparison.Ordinal));
        Assert.Contains(sent, m => m.Recipient == "luis@example.com" && m.Body.Contains($"we will continue on {survivor}", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, m => m.Body.Contains("Gateway looks overloaded", StringComparison.Ordinal));

        var detail = await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{survivor}");
        Assert.Equal("Pending", (string)detail!["ticket"]!["status"]!);
        Assert.Equal("P2", (string)detail["ticket"]!["priority"]!);
        Assert.Equal("Eva", (string)detail["ticket"]!["assignee"]!);
        var events = detail["events"]!.AsArray().Select(e => ((string)e!["kind"]!, (string?)e["actor"])).ToList();
        Assert.Contains(("DuplicateMerged", "agent:Admin"), events);
        Assert.Contains(("ProblemLinked", "agent:Admin"), events);
        Assert.Contains(detail["messages"]!.AsArray(), m => ((string)m!["body"]!).Contains("\"VPN not working\"", StringComparison.Ordinal)); // the duplicate's acknowledgement moved over

        var page = await client.GetStringAsync($"/tickets/{survivor}");
        Assert.Contains("VPN gateway saturates at 9:00", page);
        Assert.Contains("Gateway looks overloaded", page);
        var merged = await client.GetStringAsync($"/tickets/{duplicate}");
        Assert.Contains($"<a href=\"/tickets/{survivor}\">{survivor}</a>", merged);

        // A broken rule is a message on the page, not an error.
        var again = await PostAsync(client, duplicate, "Merge", ("Into", survivor));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("already merged", await client.GetStringAsync($"/tickets/{duplicate}"));
    }

    [Fact]
    public async Task The_queue_filters_by_sla_and_channel()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var api = factory.CreateApiClient();
        var breached = await CreateAsync(api, "Server room flooded", "ana@example.com");
        var fine = await CreateAsync(api, "New mouse please", "luis@example.com");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // The first-response target of one ticket passed an hour ago.
            var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
            var id = long.Parse(breached.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
            await db.Tickets.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.FirstResponseDueAt, DateTimeOffset.UtcNow.AddHours(-1)));
        }

        var client = await ConsoleClient.SignedInAsync(factory);
        var breachedList = await client.GetStringAsync("/tickets?sla=Breached");
        var webList = await client.GetStringAsync("/tickets?channel=Web");
        var smsList = await client.GetStringAsync("/tickets?channel=Sms");

        Assert.Contains(breached, breachedList);
        Assert.DoesNotContain(fine, breachedList);
        Assert.Contains(breached, webList);
        Assert.Contains(fine, webList);
        Assert.DoesNotContain(breached, smsList);
    }

    [Fact]
    public async Task The_kpis_count_volume_resolution_sla_and_first_response()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var api = factory.CreateApiClient();
        var resolved = await CreateAsync(api, "Password reset", "ana@example.com", "account");
        await CreateAsync(api, "VPN down", "luis@example.com", "vpn");
        await CreateAsync(api, "VPN slow", "eva@example.com", "vpn");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/tickets/{resolved}/comments", new { body = "Done, try now." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{resolved}", new { status = "Resolved" })).StatusCode);

        await using var scope = factory.Services.CreateAsyncScope();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var report = await scope.ServiceProvider.GetRequiredService<KpiQueries>().ReportAsync(today.AddDays(-1), today.AddDays(1), CancellationToken.None);

        Assert.Equal(3, report.TicketsOpened);
        Assert.Equal(1, report.TicketsResolved);
        Assert.Equal(3, report.VolumeByChannel[Channel.Web]);
        Assert.Equal([("vpn", 2), ("account", 1)], report.VolumeByService);
        Assert.Equal(3, report.DailyVolume.Sum(d => d.Counts.Values.Sum()));
        Assert.Equal(1, report.FirstContactResolutionRate); // answered once and resolved: nobody had to come back
        Assert.Equal(1, report.SlaResolutionCompliance);
        Assert.Equal(1, report.SlaFirstResponseCompliance);
        Assert.NotNull(report.MeanTimeToFirstResponse);
        Assert.NotNull(report.MeanTimeToResolution);
        Assert.Null(report.HandoffRate); // no chat conversations in the period
        Assert.Null(report.Csat);
    }

    [Fact]
    public void Typing_indicators_go_out_at_most_once_per_interval_per_conversation()
    {
        var time = new ManualTimeProvider(TestDesk.DefaultStart);
        var throttle = new TypingThrottle(time);

        Assert.True(throttle.TryAcquire(1, "ana"));
        Assert.False(throttle.TryAcquire(1, "ana"));
        Assert.True(throttle.TryAcquire(2, "ana"));
        time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(throttle.TryAcquire(1, "ana"));
        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(throttle.TryAcquire(1, "ana"));
    }

    [Fact]
    public void A_colleague_typing_on_a_stale_page_does_not_use_up_the_holders_turn()
    {
        var throttle = new TypingThrottle(new ManualTimeProvider(TestDesk.DefaultStart));

        Assert.True(throttle.TryAcquire(1, "luis")); // Luis's page still thinks he may type; the hub then finds Ana holds it
        Assert.True(throttle.TryAcquire(1, "ana"));
        Assert.False(throttle.TryAcquire(1, "ana"));
    }

    [Fact]
    public async Task Many_threads_typing_in_one_conversation_get_one_turn()
    {
        var throttle = new TypingThrottle(new ManualTimeProvider(TestDesk.DefaultStart));

        var granted = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => throttle.TryAcquire(7, "ana"))));

        Assert.Single(granted, g => g);
    }

    private static async Task<string> CreateAsync(HttpClient api, string title, string email, string service = "general")
    {
        var response = await api.PostAsJsonAsync("/api/tickets", new { title, description = title, service, requester = new { email, language = "en" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string number, string handler, params (string Key, string Value)[] fields)
    {
        var token = await ConsoleClient.TokenAsync(client, $"/tickets/{number}");
        return await client.PostAsync($"/tickets/{number}?handler={handler}", ConsoleClient.Form([.. fields, ("__RequestVerificationToken", token)]));
    }
}
