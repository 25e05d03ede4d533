using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// "Talk to a person": the conversation joins the agents' queue (WaitingForAgent) on a ticket, so it is
/// worked like any other; from then on the bot is silent until an agent hands the conversation back.
/// </summary>
internal sealed partial class HandoffDialog(
    ServiceDeskDbContext db,
    IntakeService intake,
    HandoffService handoffs,
    TicketDialog tickets,
    TicketNumber numbers,
    IOptions<DeskOptions> desk,
    ILogger<HandoffDialog> logger)
{
    /// <summary>How far back the bot files unfiled chat on a new ticket, so the agent sees what led to the request.</summary>
    private static readonly TimeSpan TranscriptWindow = TimeSpan.FromHours(24);

    public async Task RequestAsync(TurnContext ctx, CancellationToken ct)
    {
        var ticket = await TicketForAsync(ctx, ct);
        ticket.Record(TicketEventKind.AgentRequested, ctx.Actor, ctx.Now, ctx.Conversation.Channel.ToString());
        ctx.Conversation.CurrentTicketId = ticket.Id;

        // In the queue, with the handoff record the wait for an agent is measured on.
        handoffs.Queue(ctx.Conversation, ctx.Now);
        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        var number = numbers.Format(ticket.Id);
        LogWaiting(ctx.Conversation.Id, number);
        ctx.Say(ctx.T("Handoff", desk.Value.Name, number));
    }

    private async Task<Ticket> TicketForAsync(TurnContext ctx, CancellationToken ct)
    {
        // A report in progress is a new issue: its ticket if it has one already, else opened with what was collected.
        if (ctx.State.Report is { TicketId: { } opened } && await tickets.OwnedAsync(ctx, opened, ct) is { } reported && TicketLifecycle.IsActive(reported.Status))
        {
            return reported;
        }

        if (ctx.State.Report is { TicketId: null, Description: { } description } draft)
        {
            return await intake.OpenForConversationAsync(
                ctx.Conversation,
                ctx.Contact,
                new ConversationTicket(description, draft.Impact ?? Impact.Medium, draft.Urgency ?? Urgency.Medium, draft.SuggestedService, draft.FirstMessageId),
                callerSaves: true,
                ct);
        }

        if (await tickets.OwnedAsync(ctx, ctx.Conversation.CurrentTicketId, ct) is { } current && TicketLifecycle.IsActive(current.Status))
        {
            return current;
        }

        var since = ctx.Now - TranscriptWindow;
        var firstUnfiled = await db.Messages
            .Where(m => m.ConversationId == ctx.Conversation.Id && m.TicketId == null && m.CreatedAt >= since)
            .OrderBy(m => m.Id)
            .Select(m => (long?)m.Id)
            .FirstOrDefaultAsync(ct);
        return await intake.OpenForConversationAsync(
            ctx.Conversation,
            ctx.Contact,
            new ConversationTicket(
                ctx.T("Handoff_TicketDescription", ctx.Conversation.Channel),
                Impact.Medium,
                Urgency.Medium,
                ServiceCode: null,
                FileMessagesFrom: firstUnfiled ?? ctx.InboundId,
                Title: ctx.T("Handoff_TicketTitle", ctx.Contact.DisplayName)),
            callerSaves: true,
            ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId} waits for an agent on {TicketNumber}")]
    private partial void LogWaiting(long conversationId, string ticketNumber);
}
