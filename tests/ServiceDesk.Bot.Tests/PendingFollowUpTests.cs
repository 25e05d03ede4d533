using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Tests.Sms;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>Reminders to requesters of Pending tickets through the real host: Hangfire job, outbox, channel, console.</summary>
[Collection(HostCollection.Name)]
public class PendingFollowUpTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromDays(2);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "en", "Just reply to this SMS.")]
    [InlineData(DatabaseProvider.PostgreSql, "es", "Responde a este SMS.")]
    public async Task The_recurring_job_texts_the_reminder_and_an_sms_answer_ends_the_wait(DatabaseProvider provider, string language, string howToAnswer)
    {
        var time = new ManualTimeProvider(TestDesk.DefaultStart);
        await using var host = await SmsHost.StartAsync(provider, time: time);
        var api = host.Factory.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tickets", new { title = "Printer jammed", description = "floor 2", requester = new { phone = "+34600111222", language } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Which error code does the printer show?", author = "Eva" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" })).StatusCode);
        await host.Twilio.WaitForRequestsAsync(3, TimeSpan.FromSeconds(30)); // acknowledgement, the question, "waiting for you"

        time.Advance(Wait);
        host.Factory.Services.GetRequiredService<IRecurringJobManager>().Trigger("pending-follow-up");
        await host.Twilio.WaitForRequestsAsync(4, TimeSpan.FromSeconds(60));

        var reminder = host.Twilio.Requests[3].Form;
        Assert.Equal("+34600111222", reminder["To"]);
        Assert.Equal($"{number} \"Which error code does the printer show?\": {(language == "es" ? "seguimos esperando tu respuesta." : "we are still waiting for your answer.")} {howToAnswer}", reminder["Body"]);
        Assert.True(GsmText.IsGsm7(reminder["Body"]));
        Assert.Equal(1, GsmText.Segments(reminder["Body"]));
        var reminded = await host.QueryAsync(db => db.Tickets.AsNoTracking().SingleAsync());
        Assert.Equal((TicketStatus.Pending, 1), (reminded.Status, reminded.PendingRemindersSent));

        // The requester answers by SMS: the ticket is open again and the follow-up is over.
        await host.TwimlAsync(await host.PostSignedAsync("/api/sms/twilio", SmsHost.Sms("+34600111222", "E-42")));
        var answered = await host.QueryAsync(db => db.Tickets.AsNoTracking().SingleAsync());
        Assert.Equal((TicketStatus.Open, 0), (answered.Status, answered.PendingRemindersSent));
        var events = await host.QueryAsync(db => db.TicketEvents.Where(e => e.Kind == TicketEventKind.PendingReminderSent).Select(e => e.Detail).ToListAsync());
        Assert.Equal(["1/2 via Sms"], events);
    }

    [Fact]
    public async Task The_ticket_page_shows_the_next_reminder_and_then_the_automatic_resolution()
    {
        var time = new ManualTimeProvider(TestDesk.DefaultStart);
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite)).WithTime(time);
        var api = factory.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tickets", new { title = "Printer jammed", description = "floor 2", requester = new { email = "ana@example.com", language = "en" } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        var console = await ConsoleClient.SignedInAsync(factory);
        console.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        Assert.DoesNotContain("Follow-up", await PageAsync(console, number)); // not Pending: nothing planned

        await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" });
        Assert.Contains($"reminder 1 of 2 to the requester on {Local(TestDesk.DefaultStart + Wait)}", await PageAsync(console, number));

        for (var i = 0; i < 2; i++)
        {
            time.Advance(Wait);
            await using var scope = factory.Services.CreateAsyncScope();
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PendingFollowUp>().RunAsync(CancellationToken.None));
        }

        // Four days on the agent signs in again. Friday's last reminder leaves the resolution for Sunday,
        // outside business hours: Monday 08:00 in Madrid.
        console = await ConsoleClient.SignedInAsync(factory);
        console.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var page = await PageAsync(console, number);
        Assert.Contains($"will be resolved for no response on {Local(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero))}", page);
        Assert.Contains("reminder sent to the requester", page);
    }

    private static async Task<string> PageAsync(HttpClient console, string number)
    {
        var response = await console.GetAsync($"/tickets/{number}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    private static string Local(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid")).ToString("g", CultureInfo.GetCultureInfo("en"));
}
