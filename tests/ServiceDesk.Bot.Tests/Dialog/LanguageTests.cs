using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>Spanish and English: the channel's locale on first contact, then the user's choice, remembered.</summary>
public class LanguageTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_first_contact_speaks_the_locale_and_a_switch_is_remembered(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var lucia = ChatUser.Teams(desk, locale: "es-MX", name: "Lucía Pérez");

        var hello = await lucia.SayAsync("hola");
        Assert.StartsWith("¡Hola Lucía! Soy el asistente de Service Desk.", hello.Said());
        Assert.Equal(["Reportar un problema", "Mis tickets", "Hablar con una persona", "English"], hello.Replies.Single().Choices.Select(c => c.Label));

        var switched = await lucia.PressAsync(hello.Choice("English"));
        Assert.StartsWith("Fine, I will write to you in English from now on.", switched.Said());
        Assert.Equal("en", await desk.QueryAsync(db => db.Contacts.Select(c => c.Language).SingleAsync()));

        // The locale no longer decides, the contact's choice does; and it holds on other channels.
        var help = await lucia.SayAsync("ayuda");
        Assert.StartsWith("I can open a ticket", help.Said());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Language_offers_both_and_the_words_switch_directly(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);

        var offer = await ana.SayAsync("idioma");
        Assert.EndsWith("1) English\n2) Español", offer.Replies.Single().ToPlainText());
        var english = await ana.SayAsync("1");
        Assert.StartsWith("Fine, I will write to you in English", english.Said());
        var status = await ana.SayAsync("status");
        Assert.StartsWith("You have no open tickets", status.Said());
        var spanish = await ana.SayAsync("Español");
        Assert.StartsWith("De acuerdo, a partir de ahora te escribiré en español", spanish.Said());
        Assert.Equal("es", await desk.QueryAsync(db => db.Contacts.Select(c => c.Language).SingleAsync()));
    }

    [Theory]
    [InlineData("es-ES", "Hola, soy el asistente de Service Desk.", "Reportar un problema")]
    [InlineData("en-US", "Hello, I am the Service Desk assistant.", "Report an issue")]
    [InlineData(null, "Hola, soy el asistente de Service Desk.", "Reportar un problema")]
    public async Task The_welcome_on_install_speaks_the_locale_and_offers_the_menu(string? locale, string greeting, string firstChoice)
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);

        using var scope = desk.Services.CreateScope();
        var welcome = scope.ServiceProvider.GetRequiredService<Bot.Dialog.IChatBot>().Welcome(locale).Single();

        Assert.StartsWith(greeting, welcome.Text);
        Assert.Equal(firstChoice, welcome.Choices[0].Label);
        Assert.Equal(Core.Conversations.ChatActions.Report, welcome.Choices[0].Data[Core.Conversations.ChatActions.Key]);
    }

    [Fact]
    public async Task Every_bot_text_exists_in_both_languages_with_the_same_placeholders()
    {
        var english = ReadTexts("BotTexts.resx");
        var spanish = ReadTexts("BotTexts.es.resx");

        Assert.Equal(english.Keys.Order(), spanish.Keys.Order());
        Assert.All(english, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(spanish[e.Key]), e.Key);
            Assert.Equal(Placeholders(e.Value), Placeholders(spanish[e.Key]));
        });
        await Task.CompletedTask;
    }

    private static Dictionary<string, string> ReadTexts(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "ServiceDesk.Bot", "Resources", file);
        return System.Xml.Linq.XDocument.Load(path).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);
    }

    private static string[] Placeholders(string text) =>
        [.. System.Text.RegularExpressions.Regex.Matches(text, @"\{[0-9]+\}").Select(m => m.Value).Distinct().Order()];
}
