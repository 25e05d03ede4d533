using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Tests;

public class TicketLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static readonly HashSet<(TicketStatus, TicketStatus)> Allowed =
    [
        (TicketStatus.New, TicketStatus.Open),
        (TicketStatus.New, TicketStatus.Pending),
        (TicketStatus.New, TicketStatus.Resolved),
        (TicketStatus.Open, TicketStatus.Pending),
        (TicketStatus.Open, TicketStatus.Resolved),
        (TicketStatus.Pending, TicketStatus.Open),
        (TicketStatus.Pending, TicketStatus.Resolved),
        (TicketStatus.Resolved, TicketStatus.Open),
        (TicketStatus.Resolved, TicketStatus.Closed),
    ];

    public static TheoryData<TicketStatus, TicketStatus> EveryPair()
    {
        var data = new TheoryData<TicketStatus, TicketStatus>();
        foreach (var from in Enum.GetValues<TicketStatus>())
        {
            foreach (var to in Enum.GetValues<TicketStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_transition_follows_the_rules(TicketStatus from, TicketStatus to)
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(from, Now, sla);
        var eventsBefore = ticket.Events.Count;

        if (Allowed.Contains((from, to)))
        {
            ticket.ChangeStatus(to, "agent:eva", sla, Now.AddMinutes(5));
            Assert.Equal(to, ticket.Status);
            var change = ticket.Events[^1];
            Assert.Equal(TicketEventKind.StatusChanged, change.Kind);
            Assert.Equal($"{from} → {to}", change.Detail);
            Assert.Equal("agent:eva", change.Actor);
        }
        else
        {
            var error = Assert.Throws<DomainRuleException>(() => ticket.ChangeStatus(to, "agent:eva", sla, Now.AddMinutes(5)));
            Assert.Equal(from == to ? "status_unchanged" : "invalid_transition", error.Code);
            Assert.Equal(from, ticket.Status);
            Assert.Equal(eventsBefore, ticket.Events.Count);
        }
    }

    [Fact]
    public void Resolving_and_closing_stamp_the_times_and_reopening_clears_them()
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(TicketStatus.Open, Now, sla);

        ticket.ChangeStatus(TicketStatus.Resolved, "agent", sla, Now.AddHours(1));
        Assert.Equal(Now.AddHours(1), ticket.ResolvedAt);

        ticket.ChangeStatus(TicketStatus.Open, "agent", sla, Now.AddHours(2));
        Assert.Null(ticket.ResolvedAt);

        ticket.ChangeStatus(TicketStatus.Resolved, "agent", sla, Now.AddHours(3));
        ticket.ChangeStatus(TicketStatus.Closed, "agent", sla, Now.AddHours(4));
        Assert.Equal(Now.AddHours(4), ticket.ClosedAt);
    }

    [Theory]
    [InlineData(TicketStatus.Resolved)]
    [InlineData(TicketStatus.Closed)]
    public void A_requester_reply_within_the_window_reopens(TicketStatus status)
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(status, Now, sla);

        var accepted = ticket.AcceptRequesterReply("contact:1", TimeSpan.FromDays(7), sla, Now.AddDays(6));

        Assert.True(accepted);
        Assert.Equal(TicketStatus.Open, ticket.Status);
        Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.Reopened);
    }

    [Theory]
    [InlineData(TicketStatus.Resolved)]
    [InlineData(TicketStatus.Closed)]
    public void A_requester_reply_after_the_window_asks_for_a_new_ticket(TicketStatus status)
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(status, Now, sla);

        var accepted = ticket.AcceptRequesterReply("contact:1", TimeSpan.FromDays(7), sla, Now.AddDays(8));

        Assert.False(accepted);
        Assert.Equal(status, ticket.Status);
    }

    [Fact]
    public void A_requester_reply_to_a_pending_ticket_puts_it_back_to_work()
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(TicketStatus.Pending, Now, sla);

        Assert.True(ticket.AcceptRequesterReply("contact:1", TimeSpan.FromDays(7), sla, Now.AddHours(1)));
        Assert.Equal(TicketStatus.Open, ticket.Status);
    }

    [Fact]
    public void Closed_tickets_accept_no_agent_status_change()
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(TicketStatus.Closed, Now, sla);

        var error = Assert.Throws<DomainRuleException>(() => ticket.ChangeStatus(TicketStatus.Open, "agent", sla, Now));
        Assert.Contains("no further status change", error.Message);
    }

    [Fact]
    public void Ticket_numbers_format_and_parse_with_the_configured_prefix()
    {
        var numbers = new TicketNumber("HD");

        Assert.Equal("HD-1042", numbers.Format(1042));
        Assert.True(numbers.TryGetId("hd-1042", out var id));
        Assert.Equal(1042, id);
        Assert.False(numbers.TryGetId("SD-1042", out _));
        Assert.False(numbers.TryGetId("HD-", out _));
        Assert.False(numbers.TryGetId("HD-12x", out _));
        Assert.Equal([7L, 9L], numbers.FindIn("Re: [HD-7] VPN (see also HD-9, not XHD-3 or HD-0)"));
    }
}
