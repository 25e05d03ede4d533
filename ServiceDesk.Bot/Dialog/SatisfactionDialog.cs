using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>CSAT after a resolution: a rating from 1 to 5 and, after a low one, what could have been better.</summary>
internal sealed class SatisfactionDialog(SatisfactionSurvey survey, TicketDialog tickets, TicketNumber numbers)
{
    public const string Skip = "skip";

    /// <summary>Highest rating that asks for a comment: an unhappy answer is worth a reason.</summary>
    private const int AskCommentUpTo = 3;

    public async Task RateAsync(TurnContext ctx, Intent intent, CancellationToken ct)
    {
        var ticket = await tickets.OwnedAsync(ctx, intent.TicketId, ct);
        if (ticket is null)
        {
            ctx.Say(ctx.T("UnknownTicket"), ctx.Choice("Choice_MyTickets", ChatActions.MyTickets));
            return;
        }

        var number = numbers.Format(ticket.Id);
        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        if (intent.Number is not { } rating || !SatisfactionSurvey.IsValidRating(rating))
        {
            ctx.Say(ctx.T("Rate_Invalid"), TicketReplies.Ratings(ctx, number));
            return;
        }

        if (ticket.Status is not (TicketStatus.Resolved or TicketStatus.Closed))
        {
            ctx.Say(ctx.T("Rate_NotResolved", number));
            return;
        }

        await survey.RateAsync(ticket, rating, intent.Text, ctx.Conversation.Channel, ctx.Actor, ct);
        if (rating > AskCommentUpTo || intent.Text is not null)
        {
            ctx.Say(ctx.T("Rate_Thanks", number));
            return;
        }

        ctx.State = DialogState.Empty.At(DialogStep.SatisfactionComment) with { TicketId = ticket.Id };
        var skip = ctx.Choice("Choice_NoComment", ChatActions.Answer, (ChatActions.StepKey, DialogSteps.Name(DialogStep.SatisfactionComment)), (ChatActions.ValueKey, Skip));
        if (ctx.Rich)
        {
            // The card sends the comment back with the rating: one more rating answer, now with its reason.
            ctx.Say(new BotReply
            {
                Text = ctx.T("Rate_AskComment"),
                Inputs = [new BotInput(ChatActions.CommentKey, ctx.T("Rate_CommentLabel"), Multiline: true)],
                Choices =
                [
                    ctx.Choice("Choice_Send", ChatActions.Rate, (ChatActions.TicketKey, number), (ChatActions.RatingKey, rating.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                    skip,
                ],
            });
        }
        else
        {
            ctx.Say(ctx.T("Rate_AskComment_Plain"), skip);
        }
    }

    /// <summary>Typed text, or a skip, after the bot asked what could have been better.</summary>
    public async Task CommentAsync(TurnContext ctx, string? text, CancellationToken ct)
    {
        var ticket = await tickets.OwnedAsync(ctx, ctx.State.TicketId, ct);
        ctx.State = DialogState.Empty;
        if (ticket is null)
        {
            ctx.Say(ctx.T("Rate_Thanks_NoTicket"));
            return;
        }

        ctx.FileOn(ticket);
        if (!string.IsNullOrWhiteSpace(text))
        {
            await survey.CommentAsync(ticket, text, ctx.Actor, ct);
        }

        ctx.Say(ctx.T("Rate_Thanks", numbers.Format(ticket.Id)));
    }
}
