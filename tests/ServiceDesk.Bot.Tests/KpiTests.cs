using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.AgentConsole;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests;

/// <summary>The KPI figures that need more than counting: first-contact resolution, handoff rate, the period.</summary>
[Collection(HostCollection.Name)]
public class KpiTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task First_contact_resolution_leaves_out_tickets_the_requester_came_back_to_or_that_were_reopened(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var api = factory.CreateApiClient();
        var once = await CreateAsync(api, "Password reset", "ana@example.com");
        var cameBack = await CreateAsync(api, "Printer jammed", "luis@example.com");
        var reopened = await CreateAsync(api, "VPN down", "eva@example.com");
        await CreateAsync(api, "Still open", "rosa@example.com");
        foreach (var ticket in new[] { once, cameBack, reopened })
        {
            await ReplyAsync(api, ticket.Number);
        }

        // Luis has to write again before it is solved; Eva's ticket is reopened and solved a second time.
        await ReceiveAsync(factory, new InboundMessage
        {
            Channel = Channel.Email,
            ExternalId = "<still-jammed@example.com>",
            SenderAddress = "luis@example.com",
            Subject = $"Re: [{cameBack.Number}] Printer jammed",
            Text = "Still jammed after restarting it.",
            TicketId = cameBack.Id,
        });
        await SetStatusAsync(api, once.Number, "Resolved");
        await SetStatusAsync(api, cameBack.Number, "Resolved");
        await SetStatusAsync(api, reopened.Number, "Resolved");
        await SetStatusAsync(api, reopened.Number, "Open");
        await SetStatusAsync(api, reopened.Number, "Resolved");

        var report = await ReportAsync(factory);

        Assert.Equal(4, report.TicketsOpened);
        Assert.Equal(3, report.TicketsResolved);
        Assert.Equal(1, report.ResolvedAtFirstContact);
        Assert.Equal(1.0 / 3, report.FirstContactResolutionRate!.Value, 6);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_handoff_rate_is_the_share_of_chats_active_in_the_period_that_went_to_a_person(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var askedForAgent = await ReceiveAsync(factory, Sms("SM1", "+34600000001", "agente"));
        await ReceiveAsync(factory, Sms("SM2", "+34600000002", "mis tickets"));
        await ReceiveAsync(factory, Sms("SM3", "+34600000001", "¿hay alguien?"));

        // An e-mail thread is a conversation too, but no bot chat: it must not dilute the rate.
        await ReceiveAsync(factory, new InboundMessage
        {
            Channel = Channel.Email,
            ExternalId = "<vpn@example.com>",
            SenderAddress = "ana@example.com",
            ConversationKey = "thread:<vpn@example.com>",
            Subject = "VPN",
            Text = "VPN down",
        });
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<HandoffService>().RequestAgentAsync(askedForAgent.ConversationId!.Value, CancellationToken.None));
        }

        var report = await ReportAsync(factory);

        Assert.Equal(2, report.Conversations);
        Assert.Equal(1, report.ConversationsHandedOff);
        Assert.Equal(0.5, report.HandoffRate);
    }

    [Fact]
    public async Task The_period_is_put_in_order_and_kept_to_a_year()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var scope = factory.Services.CreateAsyncScope();
        var kpis = scope.ServiceProvider.GetRequiredService<KpiQueries>();

        var reversed = await kpis.ReportAsync(today, today.AddDays(-6), CancellationToken.None);
        var tooLong = await kpis.ReportAsync(today.AddYears(-5), today, CancellationToken.None);

        Assert.Equal((today.AddDays(-6), today), (reversed.From, reversed.To));
        Assert.Equal(7, reversed.DailyVolume.Count);
        Assert.Equal((today.AddDays(-(KpiQueries.MaxDays - 1)), today), (tooLong.From, tooLong.To));
        Assert.Equal(KpiQueries.MaxDays, tooLong.DailyVolume.Count);
    }

    private static InboundMessage Sms(string id, string from, string text) => new()
    {
        Channel = Channel.Sms,
        ExternalId = id,
        SenderAddress = from,
        ConversationKey = $"{from}|+34911000000",
        Text = text,
        RecordOnly = true,
    };

    private static async Task<IntakeResult> ReceiveAsync(DeskFactory factory, InboundMessage message)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IntakeService>().ReceiveAsync(message, CancellationToken.None);
    }

    private static async Task<KpiReport> ReportAsync(DeskFactory factory)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KpiQueries>().ReportAsync(today.AddDays(-1), today.AddDays(1), CancellationToken.None);
    }

    private static async Task<(string Number, long Id)> CreateAsync(HttpClient api, string title, string email)
    {
        var response = await api.PostAsJsonAsync("/api/tickets", new { title, description = title, requester = new { email, language = "en" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var number = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        return (number, long.Parse(number.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task ReplyAsync(HttpClient api, string number) =>
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Try now, please." })).StatusCode);

    private static async Task SetStatusAsync(HttpClient api, string number, string status) =>
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status })).StatusCode);
}
