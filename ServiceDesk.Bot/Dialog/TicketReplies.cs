using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>How the bot shows a ticket: a card with facts on rich channels, one readable sentence on plain ones.</summary>
internal static class TicketReplies
{
    public static BotReply Created(TurnContext ctx, Ticket ticket, string number, SlaClock sla)
    {
        var due = Due(ctx, ticket.ResolutionDueAt, sla);
        var priority = ctx.T("Priority_" + ticket.Priority);
        var service = ticket.Service?.NameIn(ctx.Language) ?? "-";
        return new BotReply
        {
            Title = ctx.T("Created_Title", number),
            Text = ctx.T("Created", number, ticket.Title, priority, due, service),

            // The text says it all; facts would repeat it in a text message.
            Facts = !ctx.Rich ? [] :
            [
                new BotFact(ctx.T("Fact_Ticket"), number),
                new BotFact(ctx.T("Fact_Priority"), priority),
                new BotFact(ctx.T("Fact_Service"), service),
                new BotFact(ctx.T("Fact_Target"), due),
            ],
            Choices = ctx.Rich ? [AddInformation(ctx, number)] : [],
        };
    }

    /// <summary>A ticket opened at the first message, before the questions that refine it.</summary>
    public static BotReply Opened(TurnContext ctx, Ticket ticket, string number, SlaClock sla)
    {
        var due = Due(ctx, ticket.ResolutionDueAt, sla);
        var priority = ctx.T("Priority_" + ticket.Priority);
        return new BotReply
        {
            Title = ctx.T("Created_Title", number),
            Text = ctx.T("Opened", number, ticket.Title, priority, due),
            Facts = !ctx.Rich ? [] :
            [
                new BotFact(ctx.T("Fact_Ticket"), number),
                new BotFact(ctx.T("Fact_Priority"), priority),
                new BotFact(ctx.T("Fact_Service"), ticket.Service?.NameIn(ctx.Language) ?? "-"),
                new BotFact(ctx.T("Fact_Target"), due),
            ],
        };
    }

    /// <summary>One ticket of "my tickets" on a rich channel, with what the requester can do about it.</summary>
    public static BotReply Card(TurnContext ctx, Ticket ticket, string number, SlaClock sla)
    {
        var status = ctx.T("Status_" + ticket.Status);
        var priority = ctx.T("Priority_" + ticket.Priority);
        var due = Due(ctx, ticket.ResolutionDueAt, sla);
        List<BotChoice> choices = [AddInformation(ctx, number)];
        if (ticket.Status == TicketStatus.Resolved)
        {
            choices.Add(ctx.Choice("Choice_Confirm", ChatActions.ConfirmResolution, (ChatActions.TicketKey, number)));
            choices.Add(ctx.Choice("Choice_Reject", ChatActions.RejectResolution, (ChatActions.TicketKey, number)));
        }

        return new BotReply
        {
            Title = $"{number} · {ticket.Title}",
            Text = Line(ctx, ticket, number),
            Facts =
            [
                new BotFact(ctx.T("Fact_Status"), status),
                new BotFact(ctx.T("Fact_Priority"), priority),
                new BotFact(ctx.T("Fact_Target"), due),
            ],
            Choices = choices,
        };
    }

    /// <summary>"SD-12 VPN down: in progress" — one line of a plain-text list.</summary>
    public static string Line(TurnContext ctx, Ticket ticket, string number) =>
        ctx.T("Ticket_Line", number, ticket.Title, ctx.T("Status_" + ticket.Status));

    public static BotChoice AddInformation(TurnContext ctx, string number) =>
        ctx.Choice("Choice_AddInformation", ChatActions.AddInformation, (ChatActions.TicketKey, number));

    /// <summary>1 to 5 in order, so on a plain-text channel the option number is the rating.</summary>
    public static BotChoice[] Ratings(TurnContext ctx, string number) =>
    [
        .. Enumerable.Range(1, 5).Select(rating => ctx.Choice(
            "Rating_" + rating, ChatActions.Rate, (ChatActions.TicketKey, number), (ChatActions.RatingKey, rating.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
    ];

    /// <summary>A due date in the desk's time zone, written the way the requester's language writes dates.</summary>
    public static string Due(TurnContext ctx, DateTimeOffset due, SlaClock sla) => sla.ToBusinessTime(due).ToString("f", ctx.Culture);
}
