using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.EndToEnd.Tests;

/// <summary>
/// The Adaptive Card report flow step by step, as a Teams user walks it: the official Direct Line client presses
/// the buttons of each card the bot sent (Action.Submit with the card's data and inputs) through offline-directline.
/// Each card is checked for what the user sees: its heading, question and buttons, in English and in Spanish.
/// </summary>
public class DirectLineReportFlowTests
{
    public static TheoryData<string> Languages => new() { "en", "es" };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task A_user_walks_the_report_cards_to_a_ticket_and_receives_its_status_update(string language)
    {
        var t = Words.For(language);
        await using var desk = KestrelDesk.Start();
        await using var emulator = await DirectLineEmulator.StartAsync(desk.Address + "/api/messages", TimeSpan.FromSeconds(30));

        var run = await DirectLineClient.RunAsync(emulator, desk, $"report-flow-{language}.json");

        Assert.True((bool)run["ok"]!, run.ToJsonString());
        var cards = run["cards"]!;

        var describe = Card.Of(cards["describe"]);
        Assert.Equal([t.Send, t.Cancel], describe.Buttons);
        Assert.Equal(["text"], describe.Inputs);

        // The knowledge base answers first: the VPN article, each suggestion a button, then "no" last.
        var suggestions = Card.Of(cards["suggestions"]);
        Assert.Equal(t.SuggestIntro, suggestions.Heading);
        Assert.Contains(suggestions.Texts, text => text.Contains(t.VpnArticle, StringComparison.Ordinal));
        Assert.Contains(suggestions.Buttons, b => b == t.SolvedIt || b == t.SolvedBy + t.VpnArticle);
        Assert.Equal(t.NotSolved, suggestions.Buttons[^1]);

        var impact = Card.Of(cards["impact"]);
        Assert.Equal([t.ImpactQuestion], impact.Texts);
        Assert.Equal(t.ImpactChoices, impact.Buttons);

        var urgency = Card.Of(cards["urgency"]);
        Assert.Equal([t.UrgencyQuestion], urgency.Texts);
        Assert.Equal(t.UrgencyChoices, urgency.Buttons);

        // Every service of the catalogue, the one of the suggested article first.
        var service = Card.Of(cards["service"]);
        Assert.Equal([t.ServiceQuestion], service.Texts);
        Assert.Equal(t.Vpn, service.Buttons[0]);
        Assert.Equal(t.Services.Order(StringComparer.Ordinal), service.Buttons.Order(StringComparer.Ordinal));

        // The ticket as stored: what the user pressed, and the number and target the card showed.
        var number = (string)run["vars"]!["ticket"]!;
        var created = Card.Of(cards["created"]);
        Assert.Equal(t.CreatedTitle(number), created.Heading);
        var ticket = await TicketAsync(desk, number);
        var summary = ticket["ticket"]!;
        Assert.Equal("Teams", (string?)summary["channel"]);
        Assert.Equal("Medium", (string?)summary["impact"]);
        Assert.Equal("High", (string?)summary["urgency"]);
        Assert.Equal("P2", (string?)summary["priority"]);
        Assert.Equal("vpn", (string?)summary["service"]);
        Assert.Equal(language, (string?)ticket["requester"]!["language"]);
        var due = summary["resolutionDueAt"]!.GetValue<DateTimeOffset>();
        var sla = desk.Services.GetRequiredService<SlaClock>();
        var target = sla.ToBusinessTime(due).ToString("f", NotificationTexts.CultureFor(language));
        Assert.Equal(
            [(t.FactTicket, number), (t.FactPriority, t.P2), (t.FactService, t.Vpn), (t.FactTarget, target)],
            created.Facts);
        Assert.Contains(t.AddInformation, created.Buttons);

        // The status change through the REST API reached the user as a proactive message.
        Assert.NotNull(cards["update"]);
        ticket = await TicketAsync(desk, number);
        Assert.Equal("Open", (string?)ticket["ticket"]!["status"]);
        Assert.Contains(ticket["messages"]!.AsArray(), m => (string?)m!["kind"] == "StatusNotification" && (string?)m["deliveryState"] == "Sent");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task A_suggested_article_that_solves_it_records_a_ticket_resolved_at_first_contact(string language)
    {
        var t = Words.For(language);
        await using var desk = KestrelDesk.Start();
        await using var emulator = await DirectLineEmulator.StartAsync(desk.Address + "/api/messages", TimeSpan.FromSeconds(30));

        var run = await DirectLineClient.RunAsync(emulator, desk, $"deflection-{language}.json");

        Assert.True((bool)run["ok"]!, run.ToJsonString());
        var suggestions = Card.Of(run["cards"]!["suggestions"]);
        Assert.Equal(t.SuggestIntro, suggestions.Heading);
        Assert.Equal(t.NotSolved, suggestions.Buttons[^1]);
        var solved = Card.Of(run["cards"]!["solved"]);
        Assert.Equal([t.ReportAnother, t.MyTickets], solved.Buttons);

        var number = (string)run["vars"]!["ticket"]!;
        var ticket = await TicketAsync(desk, number);
        Assert.Equal("Closed", (string?)ticket["ticket"]!["status"]);
        Assert.Contains(ticket["events"]!.AsArray(), e => (string?)e!["kind"] == "SelfServiceResolved" && (string?)e["detail"] == "password-reset");

        var numbers = desk.Services.GetRequiredService<TicketNumber>();
        Assert.True(numbers.TryGetId(number, out var id));
        await using var scope = desk.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>();
        var stored = await db.Tickets.AsNoTracking().SingleAsync(x => x.Id == id);
        Assert.True(stored.ResolvedAtFirstContact);
        Assert.Equal(TicketStatus.Closed, stored.Status);
    }

    private static async Task<JsonObject> TicketAsync(KestrelDesk desk, string number)
    {
        using var api = new HttpClient { BaseAddress = new Uri(desk.Address) };
        api.DefaultRequestHeaders.Add("X-Api-Key", KestrelDesk.ApiKey);
        return (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!;
    }

    /// <summary>A card as the client saw it (see conversation.js).</summary>
    private sealed record Card(string? Heading, IReadOnlyList<string> Texts, IReadOnlyList<(string Title, string Value)> Facts, IReadOnlyList<string> Inputs, IReadOnlyList<string> Buttons)
    {
        public static Card Of(JsonNode? node)
        {
            Assert.NotNull(node);
            return new Card(
                (string?)node["heading"],
                Strings(node["texts"]),
                [.. node["facts"]!.AsArray().Select(f => ((string)f!["title"]!, (string)f["value"]!))],
                Strings(node["inputs"]),
                Strings(node["buttons"]));
        }

        private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(x => (string)x!)];
    }

    /// <summary>What the user reads, written out per language: a wrong or missing translation fails here.</summary>
    private sealed record Words
    {
        public required string Send { get; init; }
        public required string Cancel { get; init; }
        public required string SuggestIntro { get; init; }
        public required string VpnArticle { get; init; }
        public required string SolvedIt { get; init; }
        public required string SolvedBy { get; init; }
        public required string NotSolved { get; init; }
        public required string ImpactQuestion { get; init; }
        public required string[] ImpactChoices { get; init; }
        public required string UrgencyQuestion { get; init; }
        public required string[] UrgencyChoices { get; init; }
        public required string ServiceQuestion { get; init; }
        public required string Vpn { get; init; }
        public required string[] Services { get; init; }
        public required string CreatedFormat { get; init; }
        public required string FactTicket { get; init; }
        public required string FactPriority { get; init; }
        public required string FactService { get; init; }
        public required string FactTarget { get; init; }
        public required string P2 { get; init; }
        public required string AddInformation { get; init; }
        public required string ReportAnother { get; init; }
        public required string MyTickets { get; init; }

        public string CreatedTitle(string number) => string.Format(CultureInfo.InvariantCulture, CreatedFormat, number);

        public static Words For(string language) => language == "es" ? Spanish : English;

        private static readonly Words English = new()
        {
            Send = "Send",
            Cancel = "Cancel",
            SuggestIntro = "This may solve it right away",
            VpnArticle = "VPN does not connect",
            SolvedIt = "That solved it",
            SolvedBy = "Solved by: ",
            NotSolved = "No, open a ticket",
            ImpactQuestion = "Who is affected by the problem?",
            ImpactChoices = ["Only me", "My team or several people", "Many people or the whole company"],
            UrgencyQuestion = "How much does it stop your work?",
            UrgencyChoices = ["I cannot work: it is urgent", "I can work, but it slows me down", "It can wait"],
            ServiceQuestion = "Which service is it about?",
            Vpn = "VPN and remote access",
            Services = ["General IT help", "Email", "Teams and meetings", "VPN and remote access", "Office Wi-Fi and network", "Account and password", "Laptop and peripherals"],
            CreatedFormat = "Ticket {0} created",
            FactTicket = "Ticket",
            FactPriority = "Priority",
            FactService = "Service",
            FactTarget = "Resolve by",
            P2 = "P2 (high)",
            AddInformation = "Add information",
            ReportAnother = "Report another issue",
            MyTickets = "My tickets",
        };

        private static readonly Words Spanish = new()
        {
            Send = "Enviar",
            Cancel = "Cancelar",
            SuggestIntro = "Esto puede resolverlo al momento",
            VpnArticle = "La VPN no conecta",
            SolvedIt = "Esto lo ha resuelto",
            SolvedBy = "Resuelto con: ",
            NotSolved = "No, abrir un ticket",
            ImpactQuestion = "¿A quién afecta el problema?",
            ImpactChoices = ["Solo a mí", "A mi equipo o a varias personas", "A mucha gente o a toda la empresa"],
            UrgencyQuestion = "¿Cuánto te impide trabajar?",
            UrgencyChoices = ["No puedo trabajar: es urgente", "Puedo trabajar, pero me retrasa", "Puede esperar"],
            ServiceQuestion = "¿Sobre qué servicio es?",
            Vpn = "VPN y acceso remoto",
            Services = ["Ayuda informática general", "Correo electrónico", "Teams y reuniones", "VPN y acceso remoto", "Wi-Fi y red de la oficina", "Cuenta y contraseña", "Portátil y periféricos"],
            CreatedFormat = "Ticket {0} creado",
            FactTicket = "Ticket",
            FactPriority = "Prioridad",
            FactService = "Servicio",
            FactTarget = "Resolver antes del",
            P2 = "P2 (alta)",
            AddInformation = "Añadir información",
            ReportAnother = "Reportar otro problema",
            MyTickets = "Mis tickets",
        };
    }
}
