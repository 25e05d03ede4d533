using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Api;

/// <summary>A ticket row as the database returns it, before the number is formatted.</summary>
internal sealed record SummaryRow(
    long Id,
    TicketType Type,
    string Title,
    TicketStatus Status,
    Priority Priority,
    Impact Impact,
    Urgency Urgency,
    Channel Channel,
    string Requester,
    string? Service,
    string? Group,
    string? Assignee,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset FirstResponseDueAt,
    DateTimeOffset ResolutionDueAt,
    bool FirstResponseBreached,
    bool ResolutionBreached)
{
    public static readonly Expression<Func<Ticket, SummaryRow>> Projection = t => new SummaryRow(
        t.Id,
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

    public TicketSummary ToSummary(TicketNumber numbers) => new(
        numbers.Format(Id), Type, Title, Status, Priority, Impact, Urgency, Channel, Requester, Service, Group, Assignee,
        CreatedAt, UpdatedAt, FirstResponseDueAt, ResolutionDueAt, FirstResponseBreached, ResolutionBreached);
}

internal static class TicketQueries
{
    /// <summary>A ticket with its requester and its whole timeline across channels, or null.</summary>
    public static async Task<TicketDetail?> DetailAsync(ServiceDeskDbContext db, TicketNumber numbers, long id, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking()
            .Include(t => t.Requester).ThenInclude(c => c.Identities)
            .Include(t => t.Service)
            .Include(t => t.AssignmentGroup)
            .AsSplitQuery()
            .FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            return null;
        }

        var messages = await db.Messages.AsNoTracking().Where(m => m.TicketId == id).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        var events = await db.TicketEvents.AsNoTracking().Where(e => e.TicketId == id).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToListAsync(cancellationToken);
        var summary = new SummaryRow(
            ticket.Id, ticket.Type, ticket.Title, ticket.Status, ticket.Priority, ticket.Impact, ticket.Urgency, ticket.OriginChannel,
            ticket.Requester.DisplayName, ticket.Service?.Code, ticket.AssignmentGroup?.Name, ticket.Assignee, ticket.CreatedAt, ticket.UpdatedAt,
            ticket.FirstResponseDueAt, ticket.ResolutionDueAt, ticket.FirstResponseBreached, ticket.ResolutionBreached).ToSummary(numbers);
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
