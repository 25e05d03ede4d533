using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Resources;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Tests;

/// <summary>The console in Spanish and English: the agent's choice, then the browser's languages, then the desk's default.</summary>
[Collection(HostCollection.Name)]
public partial class ConsoleLanguageTests
{
    private static readonly ResourceManager Texts = new("ServiceDesk.Bot.Resources.ConsoleTexts", typeof(global::ServiceDesk.Bot.Resources.ConsoleTexts).Assembly);

    [Fact]
    public void Every_console_text_is_in_english_and_in_spanish_and_not_empty()
    {
        var english = Entries(CultureInfo.InvariantCulture);
        var spanish = Entries(CultureInfo.GetCultureInfo("es"));

        Assert.True(english.Count > 100, $"Only {english.Count} English console texts were found.");
        Assert.Empty(english.Keys.Except(spanish.Keys).Order());
        Assert.Empty(spanish.Keys.Except(english.Keys).Order());
        Assert.Empty(english.Concat(spanish).Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => e.Key));
    }

    public static TheoryData<Type> ShownEnums =>
    [
        typeof(TicketStatus), typeof(Priority), typeof(Impact), typeof(Urgency), typeof(Channel), typeof(ConversationMode), typeof(TicketType),
        typeof(ProblemStatus), typeof(MessageKind), typeof(DeliveryState), typeof(MessageVisibility), typeof(TicketEventKind),
    ];

    [Theory]
    [MemberData(nameof(ShownEnums))]
    public void Every_value_of_an_enum_the_console_shows_has_a_label(Type type)
    {
        var english = Entries(CultureInfo.InvariantCulture);
        var spanish = Entries(CultureInfo.GetCultureInfo("es"));
        var missing = Enum.GetNames(type).Select(name => $"{type.Name}_{name}").Where(key => !english.ContainsKey(key) || !spanish.ContainsKey(key));

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task The_board_and_a_ticket_render_in_spanish_for_accept_language_es_and_in_english_once_the_agent_chooses_it(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var number = await CreateTicketAsync(factory.CreateApiClient());
        var client = await ConsoleClient.SignedInAsync(factory);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("es-ES,es;q=0.9");

        var board = await PageAsync(client, "/");
        Assert.Contains("<html lang=\"es\">", board);
        Assert.Contains("<h1>Conversaciones en vivo</h1>", board);
        Assert.Contains("Esperando a un agente (0)", board);
        Assert.Contains("data-text-waiting=\"esperando {0}\"", board); // what console.js writes as the wait ticks
        var ticket = await PageAsync(client, $"/tickets/{number}");
        Assert.Contains("<h2>Historial</h2>", ticket);
        Assert.Contains("<option value=\"Pending\">Pendiente</option>", ticket); // a translated label, an invariant value
        Assert.Contains("Solicitud de servicio", ticket);
        Assert.Matches(SpanishDateTime(), WebUtility.HtmlDecode(ticket));
        Assert.DoesNotMatch(EnglishDateTime(), WebUtility.HtmlDecode(ticket));

        // The agent picks English in the console: the cookie wins over the browser's languages from then on.
        var token = await ConsoleClient.TokenAsync(client, "/");
        var chosen = await client.PostAsync("/account/language", ConsoleClient.Form(("Language", "en"), ("ReturnUrl", $"/tickets/{number}"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        Assert.Equal($"/tickets/{number}", chosen.Headers.Location!.OriginalString);

        board = await PageAsync(client, "/");
        Assert.Contains("<html lang=\"en\">", board);
        Assert.Contains("<h1>Live conversations</h1>", board);
        Assert.Contains("data-text-waiting=\"waiting {0}\"", board);
        ticket = await PageAsync(client, $"/tickets/{number}");
        Assert.Contains("<h2>Timeline</h2>", ticket);
        Assert.Contains("<option value=\"Pending\">Pending</option>", ticket);
        Assert.Contains("Service request", ticket);
        Assert.Matches(EnglishDateTime(), WebUtility.HtmlDecode(ticket)); // "8:34 AM" has a narrow no-break space, written as an entity

        // The status change posts the invariant value whatever the page's language.
        var update = await client.PostAsync($"/tickets/{number}?handler=Update", ConsoleClient.Form(("Status", "Pending"), ("__RequestVerificationToken", await ConsoleClient.TokenAsync(client, $"/tickets/{number}"))));
        Assert.Equal(HttpStatusCode.Redirect, update.StatusCode);
        Assert.Contains("<dd>Pending</dd>", await PageAsync(client, $"/tickets/{number}"));
    }

    [Fact]
    public async Task Without_a_choice_or_a_browser_language_the_console_speaks_the_desk_default()
    {
        await using var factory = (await DeskFactory.CreateAsync(DatabaseProvider.Sqlite)).With("Desk:DefaultLanguage", "es");
        var client = ConsoleClient.Anonymous(factory);

        var login = await PageAsync(client, "/account/login");

        Assert.Contains("<h1>Acceso de agentes</h1>", login);
        Assert.Contains(">Iniciar sesión</button>", login);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR,en;q=0.5"); // French is not offered: English is the browser's next choice
        Assert.Contains("<h1>Agent sign-in</h1>", await PageAsync(client, "/account/login"));
    }

    [Fact]
    public async Task Only_spanish_and_english_can_be_chosen()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var client = ConsoleClient.Anonymous(factory);
        var token = await ConsoleClient.TokenAsync(client, "/account/login");

        var refused = await client.PostAsync("/account/language", ConsoleClient.Form(("Language", "fr"), ("__RequestVerificationToken", token)));
        var offSite = await client.PostAsync("/account/language", ConsoleClient.Form(("Language", "es"), ("ReturnUrl", "https://evil.example/"), ("__RequestVerificationToken", token)));
        var forged = await client.PostAsync("/account/language", ConsoleClient.Form(("Language", "es")));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("/", offSite.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode); // anti-forgery, as every console form
    }

    [Fact]
    public async Task The_console_language_does_not_reach_the_api_or_the_requester()
    {
        await using var factory = await DeskFactory.CreateAsync(DatabaseProvider.Sqlite);
        var api = factory.CreateApiClient();
        api.DefaultRequestHeaders.AcceptLanguage.ParseAdd("es");
        api.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Culture=c%3Des%7Cuic%3Des");

        var number = await CreateTicketAsync(api);
        var detail = await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}");

        // The API keeps its invariant names and the acknowledgement speaks the requester's language (English), not the caller's.
        Assert.Equal("ServiceRequest", (string)detail!["ticket"]!["type"]!);
        await factory.Email.WaitForAsync(1, TimeSpan.FromSeconds(30));
        var acknowledgement = Assert.Single(factory.Email.Sent);
        Assert.Contains(number, acknowledgement.Body);
        Assert.Contains("we have received your request", acknowledgement.Body);
    }

    private static async Task<string> CreateTicketAsync(HttpClient api)
    {
        var response = await api.PostAsJsonAsync("/api/tickets", new { title = "New laptop for Ana", description = "Starts Monday", type = "ServiceRequest", service = "general", requester = new { email = "ana@example.com", language = "en" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
    }

    private static async Task<string> PageAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Dictionary<string, string> Entries(CultureInfo culture)
    {
        var set = Texts.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No {culture.Name} console texts.");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);
    }

    /// <summary>Day first, 24-hour clock: 24/11/2026 14:05.</summary>
    [GeneratedRegex(@"\b\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}\b(?! ?[AP]M)")]
    private static partial Regex SpanishDateTime();

    /// <summary>Month first, 12-hour clock: 11/24/2026 2:05 PM.</summary>
    [GeneratedRegex(@"\b\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}\s?[AP]M\b")]
    private static partial Regex EnglishDateTime();
}
