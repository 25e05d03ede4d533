using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Tests;

/// <summary>Builds domain objects for tests that need no database.</summary>
internal static class Domain
{
    public static SlaClock Sla(SlaOptions? options = null) => new(Options.Create(options ?? new SlaOptions()));

    public static Ticket NewTicket(DateTimeOffset now, Impact impact = Impact.Medium, Urgency urgency = Urgency.Medium, SlaClock? sla = null) =>
        Ticket.Create(
            TicketType.Incident,
            "Printer on fire",
            "It is on fire.",
            new Contact { DisplayName = "Ana", Language = "es" },
            Channel.Email,
            impact,
            urgency,
            service: null,
            "test",
            sla ?? Sla(),
            now);

    /// <summary>Drives a new ticket to the wanted status through allowed moves.</summary>
    public static Ticket TicketIn(TicketStatus status, DateTimeOffset now, SlaClock sla)
    {
        var ticket = NewTicket(now, sla: sla);
        TicketStatus[] path = status switch
        {
            TicketStatus.New => [],
            TicketStatus.Open => [TicketStatus.Open],
            TicketStatus.Pending => [TicketStatus.Pending],
            TicketStatus.Resolved => [TicketStatus.Resolved],
            TicketStatus.Closed => [TicketStatus.Resolved, TicketStatus.Closed],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        foreach (var step in path)
        {
            ticket.ChangeStatus(step, "test", sla, now);
        }

        return ticket;
    }
}
