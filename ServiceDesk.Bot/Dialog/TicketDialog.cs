using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>The requester's own tickets: list them, add information, confirm or reject a resolution.</summary>
internal sealed class TicketDialog(ServiceDeskDbContext db, SlaClock sla, TicketNumber numbers, IOptions<DeskOptions> desk)
{
    private const int ListLimit = 5;

    /// <summary>
    /// The tickets a requester still has business with: open ones, and resolved ones they can still confirm
    /// or reopen by replying. Most recently active first.
    /// </summary>
    public IQueryable<Ticket> Current(long contactId, DateTimeOffset now)
    {
        var reopenable = now - desk.Value.ReopenWindow;
        return db.Tickets
            .Where(t => t.RequesterId == contactId)
            .Where(t => t.Status == TicketStatus.New || t.Status == TicketStatus.Open || t.Status == TicketStatus.Pending
                || (t.Status == TicketStatus.Resolved && t.ResolvedAt >= reopenable))
            .OrderByDescending(t => t.UpdatedAt)
            .ThenByDescending(t => t.Id);
    }

    /// <summary>The requester's ticket with that id, tracked; null when there is none or it is someone else's.</summary>
    public Task<Ticket?> OwnedAsync(TurnContext ctx, long? id, CancellationToken ct) =>
        id is { } ticketId
            ? db.Tickets.Include(t => t.Service).FirstOrDefaultAsync(t => t.Id == ticketId && t.RequesterId == ctx.Contact.Id, ct)
            : Task.FromResult<Ticket?>(null);

    public async Task ListAsync(TurnContext ctx, CancellationToken ct)
    {
        ctx.State = DialogState.Empty;
        var tickets = await Current(ctx.Contact.Id, ctx.Now).AsNoTracking().Take(ListLimit + 1).ToListAsync(ct);
        if (tickets.Count == 0)
        {
            ctx.Say(ctx.T("MyTickets_None"), ctx.Choice("Choice_Report", ChatActions.Report));
            return;
        }

        var shown = tickets.Take(ListLimit).ToList();
        var more = tickets.Count > ListLimit ? " " + ctx.T("MyTickets_More", ListLimit) : "";
        if (ctx.Rich)
        {
            ctx.Say(ctx.T("MyTickets_Header") + more);
            foreach (var ticket in shown)
            {
                ctx.Say(TicketReplies.Card(ctx, ticket, numbers.Format(ticket.Id), sla));
            }

            return;
        }

        // Plain text: one message; a resolved ticket gets numbered choices to confirm or reopen it.
        var lines = string.Join("\n", shown.Select(t => TicketReplies.Line(ctx, t, numbers.Format(t.Id))));
        var resolved = shown.FirstOrDefault(t => t.Status == TicketStatus.Resolved);
        var text = ctx.T("MyTickets_Plain", lines + more, numbers.Format(shown[0].Id));
        if (resolved is null)
        {
            ctx.Say(text);
        }
        else
        {
            var number = numbers.Format(resolved.Id);
            ctx.Say(
                text + "\n" + ctx.T("MyTickets_ResolvedQuestion", number),
                ctx.Choice("Choice_Confirm", ChatActions.ConfirmResolution, (ChatActions.TicketKey, number)),
                ctx.Choice("Choice_Reject", ChatActions.RejectResolution, (ChatActions.TicketKey, number)));
        }
    }

    /// <summary>"Add information" to a ticket: with the text already given (the intake filed it), or asking for it.</summary>
    public async Task AddInformationAsync(TurnContext ctx, Intent intent, CancellationToken ct)
    {
        if (ctx.Intake.TicketId != 0)
        {
            await AddedAsync(ctx, ct);
            return;
        }

        var ticket = await OwnedAsync(ctx, intent.TicketId, ct);
        if (ticket is null)
        {
            UnknownTicket(ctx);
            return;
        }

        AskInformation(ctx, ticket, "AddInformation_Prompt");
    }

    /// <summary>The user's message was filed on a ticket by the intake (added, reopened it, or opened a follow-up).</summary>
    public async Task AddedAsync(TurnContext ctx, CancellationToken ct)
    {
        // The intake loaded (or opened) it in this turn: the change tracker answers without a query.
        var ticket = await db.Tickets.FindAsync([ctx.Intake.TicketId], ct)
            ?? throw new InvalidOperationException($"Ticket {ctx.Intake.TicketId} filed by the intake is missing.");
        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        var number = numbers.Format(ticket.Id);
        var text = ctx.Intake.Outcome switch
        {
            IntakeOutcome.ReopenedTicket => ctx.T("Added_Reopened", number, ticket.Title),
            IntakeOutcome.CreatedFollowUpTicket => ctx.T("Added_FollowUp", numbers.Format(ticket.RelatedTicketId ?? 0), number),
            _ => ctx.T("Added", number, ticket.Title),
        };
        if (ctx.Rich)
        {
            ctx.Say(text, ctx.Choice("Choice_ReportAnother", ChatActions.Report), ctx.Choice("Choice_MyTickets", ChatActions.MyTickets));
        }
        else
        {
            ctx.Say(text + " " + ctx.T("Hint_NewIssue"));
        }
    }

    public async Task ConfirmAsync(TurnContext ctx, Intent intent, CancellationToken ct)
    {
        var ticket = await OwnedAsync(ctx, intent.TicketId, ct);
        if (ticket is null)
        {
            UnknownTicket(ctx);
            return;
        }

        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        var number = numbers.Format(ticket.Id);
        switch (ticket.Status)
        {
            case TicketStatus.Resolved:
                ticket.ConfirmResolution(ctx.Actor, ctx.Now);
                ctx.Say(ctx.T("Confirmed", number), TicketReplies.Ratings(ctx, number));
                break;
            case TicketStatus.Closed when !await db.SatisfactionResponses.AnyAsync(r => r.TicketId == ticket.Id, ct):
                ctx.Say(ctx.T("AlreadyClosed_Rate", number), TicketReplies.Ratings(ctx, number));
                break;
            case TicketStatus.Closed:
                ctx.Say(ctx.T("AlreadyClosed", number));
                break;
            default:
                NotResolvedYet(ctx, ticket, number);
                break;
        }
    }

    public async Task RejectAsync(TurnContext ctx, Intent intent, CancellationToken ct)
    {
        var ticket = await OwnedAsync(ctx, intent.TicketId, ct);
        if (ticket is null)
        {
            UnknownTicket(ctx);
            return;
        }

        ctx.FileOn(ticket);
        ctx.State = DialogState.Empty;
        var number = numbers.Format(ticket.Id);
        if (ticket.Status is not (TicketStatus.Resolved or TicketStatus.Closed))
        {
            NotResolvedYet(ctx, ticket, number);
        }
        else if (ticket.RejectResolution(ctx.Actor, desk.Value.ReopenWindow, sla, ctx.Now))
        {
            AskInformation(ctx, ticket, "Rejected");
        }
        else
        {
            ctx.Say(ctx.T("Rejected_TooLate", number), ctx.Choice("Choice_Report", ChatActions.Report));
        }
    }

    private void AskInformation(TurnContext ctx, Ticket ticket, string key)
    {
        var number = numbers.Format(ticket.Id);
        ctx.State = DialogState.Empty.At(DialogStep.AddInformation) with { TicketId = ticket.Id };
        var text = ctx.T(key, number, ticket.Title);
        if (ctx.Rich)
        {
            ctx.Say(new BotReply
            {
                Text = text,
                Inputs = [new BotInput(ChatActions.TextKey, ctx.T("AddInformation_Label"), Multiline: true)],
                Choices = [TicketReplies.AddInformation(ctx, number) with { Label = ctx.T("Choice_Send") }, ctx.Choice("Choice_Cancel", ChatActions.Cancel)],
            });
        }
        else
        {
            ctx.Say(text + " " + ctx.T("Hint_Cancel"));
        }
    }

    private static void NotResolvedYet(TurnContext ctx, Ticket ticket, string number) =>
        ctx.Say(ctx.T("NotResolvedYet", number, ctx.T("Status_" + ticket.Status)));

    private static void UnknownTicket(TurnContext ctx) =>
        ctx.Say(ctx.T("UnknownTicket"), ctx.Choice("Choice_MyTickets", ChatActions.MyTickets));
}
