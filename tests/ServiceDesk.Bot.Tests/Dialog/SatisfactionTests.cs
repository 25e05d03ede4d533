using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.AgentConsole;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using static ServiceDesk.Bot.Tests.Dialog.TicketTests;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>CSAT after a resolution: from the resolution card's buttons, or a bare number answering the notice.</summary>
public class SatisfactionTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_bare_number_answers_the_resolution_notice_even_after_other_numbered_choices(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var ana = ChatUser.Sms(desk);
        var number = await ReportAsync(ana, "La VPN no conecta");
        var menu = await ana.SayAsync("ayuda");
        Assert.Equal(4, menu.Replies.Single().Choices.Count);

        // The agent resolves it; the outbox sends the notice that asks for a 1-5 rating on this conversation.
        desk.Time.Advance(TimeSpan.FromMinutes(10));
        await ChangeAsync(desk, number, TicketStatus.Resolved);
        Assert.Contains("del 1 (mala) al 5 (excelente)", await desk.QueryAsync(db => db.Messages.Where(m => m.Kind == MessageKind.ResolutionNotification).Select(m => m.Body).SingleAsync()));
        desk.Time.Advance(TimeSpan.FromMinutes(10));

        var rated = await ana.SayAsync("2");
        Assert.Equal(number, rated.TicketNumber);
        Assert.StartsWith("Gracias. ¿Qué podríamos haber hecho mejor?", rated.Said());
        var commented = await ana.SayAsync("Tardasteis dos días en contestar");

        Assert.StartsWith($"¡Gracias por tu valoración de {number}!", commented.Said());
        await desk.QueryAsync(async db =>
        {
            var response = await db.SatisfactionResponses.SingleAsync();
            Assert.Equal(2, response.Rating);
            Assert.Equal("Tardasteis dos días en contestar", response.Comment);
            Assert.Equal(Core.Channel.Sms, response.Channel);
            var ticket = await db.Tickets.Include(t => t.Events).SingleAsync();

            // A rating is not a reply that reopens the ticket.
            Assert.Equal(TicketStatus.Resolved, ticket.Status);
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.SatisfactionRated && e.Detail == "2/5");
            Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.SatisfactionCommented);
            Assert.Equal(ticket.Id, (await db.Messages.SingleAsync(m => m.Body == "2" && m.Direction == MessageDirection.Inbound)).TicketId);

            // The console's CSAT figure counts it.
            var day = DateOnly.FromDateTime(desk.Time.Now.UtcDateTime);
            var kpis = await new KpiQueries(db, Options.Create(new SlaOptions())).ReportAsync(day.AddDays(-1), day.AddDays(1), CancellationToken.None);
            Assert.Equal((2.0, 1), kpis.Csat);
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_resolution_cards_rating_is_recorded_and_a_second_answer_updates_it(DatabaseProvider provider)
    {
        await using var desk = await BotDesk.CreateAsync(provider);
        var peter = ChatUser.Teams(desk);
        var number = await ReportAsync(peter, "Teams will not sign in");
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        var low = await peter.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, "3"));
        var comment = low.Replies.Single();
        Assert.Equal(ChatActions.CommentKey, Assert.Single(comment.Inputs).Id);
        var withComment = await peter.PressAsync(low.Choice("Send"), (ChatActions.CommentKey, "Took long, but fine"));
        var changed = await peter.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, "4"));

        Assert.StartsWith("Thank you for your feedback", withComment.Said());
        Assert.StartsWith("Thank you for your feedback", changed.Said());
        var response = await desk.QueryAsync(db => db.SatisfactionResponses.SingleAsync());
        Assert.Equal((4, "Took long, but fine"), (response.Rating, response.Comment));
    }

    [Theory]
    [InlineData("9")]
    [InlineData("x")]
    public async Task A_rating_outside_1_to_5_is_asked_again(string rating)
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);
        var peter = ChatUser.Teams(desk);
        var number = await ReportAsync(peter, "Teams will not sign in");
        await ChangeAsync(desk, number, TicketStatus.Resolved);

        var answer = await peter.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, rating));

        Assert.StartsWith("Please rate from 1 (very poor) to 5 (excellent)", answer.Said());
        Assert.Equal(5, answer.Replies.Single().Choices.Count);
        Assert.Equal(0, await desk.QueryAsync(db => db.SatisfactionResponses.CountAsync()));
    }

    [Fact]
    public async Task An_open_ticket_cannot_be_rated_yet_and_a_bare_number_without_a_notice_is_not_a_rating()
    {
        await using var desk = await BotDesk.CreateAsync(DatabaseProvider.Sqlite);
        var ana = ChatUser.Sms(desk);
        var number = await ReportAsync(ana, "La VPN no conecta");

        var early = await ana.ActAsync((ChatActions.Key, ChatActions.Rate), (ChatActions.TicketKey, number), (ChatActions.RatingKey, "5"));
        var bare = await ana.SayAsync("4");

        Assert.StartsWith($"{number} sigue abierto", early.Said());
        Assert.StartsWith("Perdona, no lo he entendido", bare.Said());
        Assert.Equal(0, await desk.QueryAsync(db => db.SatisfactionResponses.CountAsync()));
    }
}
