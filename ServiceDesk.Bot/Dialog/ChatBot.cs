using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// The first cut of the bot: every turn goes through the intake and is answered with the ticket it
/// landed on. Silent while a person holds the conversation.
/// </summary>
public sealed class ChatBot(IntakeService intake, ServiceDeskDbContext db, IOptions<DeskOptions> desk) : IChatBot
{
    public async Task<ChatTurnResult> HandleAsync(ChatTurn turn, CancellationToken cancellationToken)
    {
        var result = await intake.ReceiveAsync(turn.Message with { Acknowledge = false }, cancellationToken);
        if (result.Outcome == IntakeOutcome.Duplicate)
        {
            return new ChatTurnResult(true, [], result.TicketNumber, ConversationMode.Bot);
        }

        var mode = result.ConversationId is { } conversationId
            ? await db.Conversations.Where(c => c.Id == conversationId).Select(c => c.Mode).SingleAsync(cancellationToken)
            : ConversationMode.Bot;
        if (mode != ConversationMode.Bot)
        {
            return new ChatTurnResult(false, [], result.TicketNumber, mode);
        }

        var ticket = await db.Tickets.AsNoTracking()
            .Where(t => t.Id == result.TicketId)
            .Select(t => new { t.Title, t.Priority, t.ResolutionDueAt, t.Requester.DisplayName, t.Requester.Language })
            .SingleAsync(cancellationToken);
        var culture = NotificationTexts.CultureFor(ticket.Language);
        var text = NotificationTexts.Format(
            "Acknowledgement", ticket.Language, ticket.DisplayName, result.TicketNumber, ticket.Title, ticket.Priority, ticket.ResolutionDueAt.ToString("f", culture));
        return new ChatTurnResult(false, [new BotReply { Text = text }], result.TicketNumber, mode);
    }

    public IReadOnlyList<BotReply> Welcome(string? locale)
    {
        var language = Languages.FromLocale(locale) ?? desk.Value.DefaultLanguage;
        return [new BotReply { Text = BotTexts.Format("Welcome", language, desk.Value.Name) }];
    }
}
