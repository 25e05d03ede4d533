using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>The requester's tickets through the bot: list, add information, confirm or reject a resolution.</summary>
public class TicketTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task My_tickets_lists_the_open_ones_with_their_status(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var none = await ana.SayAsync("estado");
        Assert.StartsWith("No tienes tickets abiertos", none.Said());

        var vpn = await ReportAsync(ana, "La VPN no conecta");
        var printer = await ReportAsync(ana, "La impresora no imprime");
        var closed = await ReportAsync(ana, "Pantalla rota");
        await ChangeAsync(desk, printer, TicketStatus.Pending);
        await ChangeAsync(desk, closed, TicketStatus.Resolved);
        await ChangeAsync(desk, closed, TicketStatus.Closed);

        var listed = await ana.SayAsync("mis tickets");

        var text = listed.Said();
        Assert.StartsWith("Tus tickets:", text);
        Assert.Contains($"{printer} La impresora no imprime: esperando tu respuesta", text);
        Assert.Contains($"{vpn} La VPN no conecta: registrado", text);
        Assert.DoesNotContain(closed, text);

        // Most recently active first.
        Assert.True(text.IndexOf(printer, StringComparison.Ordinal) < text.IndexOf(vpn, StringComparison.Ordinal));

        // On Teams, in English: one card per ticket with its facts and what can be done about it.
        await ChangeAsync(desk, vpn, TicketStatus.Resolved);
        var anaOnTeams = await ChangeLanguageAsync(desk, ana);
        var cards = await anaOnTeams.SayAsync("my tickets");
        Assert.Equal("Your tickets:", cards.Replies[0].Text);
        var vpnCard = cards.Replies.Single(r => r.Title == $"{vpn} · La VPN no conecta");
        Assert.Equal("resolved, waiting for your confirmation", vpnCard.Facts.Single(f => f.Label == "Status").Value);
        Assert.Equal(["Add information", "Yes, it is solved", "No, it is not solved"], vpnCard.Choices.Select(c => c.Label));
        Assert.Equal(vpn, vpnCard.Choices[1].Data[ChatActions.TicketKey]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Free_text_adds_to_the_latest_open_ticket_or_to_the_one_it_names(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var vpn = await ReportAsync(ana, "La VPN no conecta");
        var printer = await ReportAsync(ana, "La impresora no imprime");

        var latest = await ana.SayAsync("Ahora también sale un error 0x80");
        var named = await ana.SayAsync($"{vpn.ToLowerInvariant()}: uso la VPN de la oficina de Sevilla");

        Assert.Equal(printer, latest.TicketNumber);
        Assert.StartsWith($"Gracias, lo he añadido a {printer}", latest.Said());
        Assert.Equal(vpn, named.TicketNumber);
        await desk.QueryAsync(async db =>
        {
            Assert.Equal(2, await db.Tickets.CountAsync());
            var added = await db.Messages.SingleAsync(m => m.Body == "Ahora también sale un error 0x80");
            Assert.Equal(printer, $"SD-{added.TicketId}");
            var reply = await db.Messages.Where(m => m.Direction == MessageDirection.Outbound).OrderByDescending(m => m.Id).FirstAsync();
            Assert.Equal(vpn, $"SD-{reply.TicketId}");
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Add_information_asks_for_the_text_and_files_it_on_the_ticket(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        var number = await ReportAsync(peter, "Docking station shows no signal");
        await ChangeAsync(desk, number, TicketStatus.Pending);

        var listed = await peter.SayAsync("my tickets");
        var prompt = await peter.PressAsync(listed.Choice(c => c.Label == "Add information" && c.Data[ChatActions.TicketKey] == number));
        Assert.StartsWith($"What would you like to add to {number}", prompt.Said());
        var added = await peter.PressAsync(prompt.Choice("Send"), (ChatActions.TextKey, "It is a Dell WD19 dock"));

        Assert.Equal(number, added.TicketNumber);
        Assert.StartsWith($"Thanks, I have added it to {number}", added.Said());
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.SingleAsync();
            Assert.Equal(TicketStatus.Open, ticket.Status); // the requester answered: no longer pending
            Assert.Equal(ticket.Id, (await db.Messages.SingleAsync(m => m.Body == "It is a Dell WD19 dock")).TicketId);
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Confirming_a_resolution_closes_the_ticket_and_asks_for_a_rating(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        var number = await ReportAsync(peter, "Outlook is stuck offline");
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        var confirmed = await peter.ActAsync((ChatActions.Key, ChatActions.ConfirmResolution), (ChatActions.TicketKey, number));
        Assert.StartsWith($"Thanks for confirming: {number} is closed.", confirmed.Said());
        Assert.Equal(["Very poor", "Poor", "Fair", "Good", "Excellent"], confirmed.Replies.Single().Choices.Select(c => c.Label));
        var rated = await peter.PressAsync(confirmed.Choice("Excellent"));

        Assert.StartsWith($"Thank you for your feedback on {number}", rated.Said());
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.Include(t => t.Events).SingleAsync();
            Assert.Equal(TicketStatus.Closed, ticket.Status);
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.ResolutionConfirmed && e.Actor.StartsWith("contact:", StringComparison.Ordinal));
            var response = await db.SatisfactionResponses.SingleAsync();
            Assert.Equal((ticket.Id, 5, Core.Channel.Teams), (response.TicketId, response.Rating, response.Channel));
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rejecting_a_resolution_reopens_the_ticket_and_takes_what_is_still_wrong(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var number = await ReportAsync(ana, "La VPN no conecta");
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        // On SMS the resolved ticket is offered, numbered, in "mis tickets".
        var listed = await ana.SayAsync("estado");
        Assert.Contains($"{number} se ha resuelto. ¿Está solucionado el problema?", listed.Said());
        var rejected = await ana.SayAsync("2");
        Assert.StartsWith($"He reabierto {number}", rejected.Said());
        var added = await ana.SayAsync("Sigue diciendo que el certificado no es válido");

        Assert.Equal(number, added.TicketNumber);
        await desk.QueryAsync(async db =>
        {
            var ticket = await db.Tickets.Include(t => t.Events).SingleAsync();
            Assert.Equal(TicketStatus.Open, ticket.Status);
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.ResolutionRejected);
            Assert.Equal(ticket.Id, (await db.Messages.SingleAsync(m => m.Body == "Sigue diciendo que el certificado no es válido")).TicketId);
            return 0;
        });
    }

    [Fact]
    public async Task Another_persons_ticket_cannot_be_touched()
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);
        var ana = ChatUser.Sms(desk);
        var number = await ReportAsync(ana, "La VPN no conecta");
        await ChangeAsync(desk, number, TicketStatus.Resolved);
        var eve = ChatUser.Teams(desk, aadObjectId: "6f1c2a10-0000-4000-8000-0000000000ee", name: "Eve");

        var confirm = await eve.ActAsync((ChatActions.Key, ChatActions.ConfirmResolution), (ChatActions.TicketKey, number));
        var rate = await eve.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, "1"));
        var add = await eve.ActAsync((ChatActions.Key, ChatActions.AddInformation), (ChatActions.TicketKey, number), (ChatActions.TextKey, "spam"));

        Assert.All(new[] { confirm, rate, add }, r => Assert.StartsWith("I cannot find that ticket among yours", r.Said()));
        await desk.QueryAsync(async db =>
        {
            Assert.Equal(TicketStatus.Resolved, (await db.Tickets.SingleAsync()).Status);
            Assert.Equal(0, await db.SatisfactionResponses.CountAsync());
            Assert.Null((await db.Messages.SingleAsync(m => m.Body == "spam")).TicketId);
            return 0;
        });
    }

    /// <summary>Reports an issue with no article to suggest, answering every question: returns the ticket number.</summary>
    internal static async Task<string> ReportAsync(ChatUser user, string description)
    {
        var turn = await user.SayAsync("report");
        turn = await user.SayAsync(description);
        while (turn.TicketNumber is null)
        {
            var choices = turn.Replies.Last(r => r.Choices.Count > 0).Choices;
            var notSolved = choices.FirstOrDefault(c => c.Data.GetValueOrDefault(ChatActions.ValueKey) == "no");
            turn = await user.PressAsync(notSolved ?? choices[0]);
        }

        return turn.TicketNumber;
    }

    internal static Task ChangeAsync(TestDesk desk, string number, TicketStatus status) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(
            long.Parse(number["SD-".Length..], System.Globalization.CultureInfo.InvariantCulture), new TicketChanges(Status: status), "agent:eva", CancellationToken.None));

    /// <summary>The same contact, now writing from Teams in English (one person, two channels).</summary>
    private static async Task<ChatUser> ChangeLanguageAsync(TestDesk desk, ChatUser smsUser)
    {
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var contact = await db.Contacts.Include(c => c.Identities).SingleAsync();
            contact.Language = "en";
            contact.Identities.Add(new Core.Contacts.ContactIdentity { Channel = Core.Channel.Teams, Address = "6f1c2a10-0000-4000-8000-0000000000aa" });
            await db.SaveChangesAsync();
        });
        return ChatUser.Teams(desk, aadObjectId: "6f1c2a10-0000-4000-8000-0000000000aa", name: "Ana García");
    }
}
