using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Api;

internal static class TicketQueries
{
    /// <summary>The list columns; the number is formatted in the final, client-side step of the query.</summary>
    public static Expression<Func<Ticket, TicketSummary>> Summary(TicketNumber numbers) => t => new TicketSummary(
        numbers.Format(t.Id),
        t.Type,
        t.Title,
        t.Status,
        t.Priority,
        t.Impact,
        t.Urgency,
        t.OriginChannel,
        t.Requester.DisplayName,
        t.Service != null ? t.Service.Code : null,
        t.AssignmentGroup != null ? t.AssignmentGroup.Name : null,
        t.Assignee,
        t.CreatedAt,
        t.UpdatedAt,
        t.FirstResponseDueAt,
        t.ResolutionDueAt,
        t.FirstResponseBreached,
        t.ResolutionBreached);

    /// <summary>A ticket with its requester and its whole timeline across channels, or null.</summary>
    public static async Task<TicketDetail?> DetailAsync(ServiceDeskDbContext db, TicketNumber numbers, long id, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking()
            .Include(t => t.Requester).ThenInclude(c => c.Identities)
            .FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            return null;
        }

        var messages = await db.Messages.AsNoTracking().Where(m => m.TicketId == id).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        var events = await db.TicketEvents.AsNoTracking().Where(e => e.TicketId == id).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToListAsync(cancellationToken);
        var summary = await db.Tickets.AsNoTracking().Where(t => t.Id == id).Select(Summary(numbers)).SingleAsync(cancellationToken);
        var requester = new ContactView(
            ticket.Requester.DisplayName,
            ticket.Requester.Language,
            ticket.Requester.SmsOptedOut,
            [.. ticket.Requester.Identities.Select(i => $"{i.Channel.ToString().ToLowerInvariant()}:{i.Address}{(i.Unreachable ? " (unreachable)" : "")}")]);
        return new TicketDetail(
            summary,
            ticket.Description,
            requester,
            ticket.SupplierDueAt?.ToString("O"),
            ticket.RelatedTicketId is { } related ? numbers.Format(related) : null,
            ticket.FirstRespondedAt,
            ticket.ResolvedAt,
            ticket.ClosedAt,
            [.. messages.Select(ToView)],
            [.. events.Select(e => new EventView(e.Kind, e.Actor, e.OccurredAt, e.Detail))]);
    }

    public static MessageView ToView(Message m) => new(
        m.Id, m.Channel, m.Direction, m.Visibility, m.Kind, m.Author, m.Subject, m.Deleted ? "" : m.Body, m.Attachments, m.DeliveryState, m.DeliveryError, m.CreatedAt);
}
