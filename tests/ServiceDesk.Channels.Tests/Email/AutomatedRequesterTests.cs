using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using ServiceDesk.Channels.Email;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;
using static ServiceDesk.Channels.Tests.Email.EmailThreadingTests;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>
/// A ticket opened by a program or a list gets no automatic notices later either (RFC 3834: no mail loops, no bounce
/// storms), through the real e-mail intake, ticket service and maintenance jobs on SQLite and PostgreSQL.
/// </summary>
public sealed class AutomatedRequesterTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_monitoring_alerts_ticket_gets_no_status_or_resolution_notices_but_an_agents_reply(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = (await IngestAsync(desk, EmailServices.Load(Corpus("monitoring-alert.eml"))))!.Value;

        await ChangeStatusAsync(desk, ticket, TicketStatus.Open);
        await ChangeStatusAsync(desk, ticket, TicketStatus.Pending);
        await ChangeStatusAsync(desk, ticket, TicketStatus.Resolved);
        desk.Time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(1, await desk.InScopeAsync(sp => sp.GetRequiredService<TicketMaintenance>().AutoCloseResolvedAsync(CancellationToken.None)));

        Assert.Empty(await OutboundAsync(desk, ticket));
        var suppressed = await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesSuppressed);
        Assert.Contains("Auto-Submitted: auto-generated", Assert.Single(suppressed));
        Assert.Empty(await EventsAsync(desk, ticket, TicketEventKind.DeliveryFailed));
        Assert.Equal(TicketStatus.Closed, await StatusAsync(desk, ticket));

        // An agent who decides to write to the program anyway is heard: that is a person's choice, not a machine's.
        var second = (await IngestAsync(desk, Alert("nagios@example.org", "CRITICAL: disk /var on srv2 is 97% full")))!.Value;
        await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().CommentAsync(second, "Cleaned up /var/log.", MessageVisibility.Public, "Eva", "agent:Eva", CancellationToken.None));
        Assert.Equal([MessageKind.AgentReply], await OutboundAsync(desk, second));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_requesters_mail_written_in_person_lifts_the_suppression_and_list_mail_sets_it_again(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });

        // Ana posts to a list the desk is on: a ticket in her name, but every member would get the desk's notices.
        var posted = TestMail.Create("ana@example.org", EmailServices.FixtureDesk, "Shared drive is read-only", "Since this morning nobody can save to S:.");
        posted.Headers.Add(HeaderId.ListId, "<it-infra.lists.example.org>");
        var ticket = (await IngestAsync(desk, posted))!.Value;
        await ChangeStatusAsync(desk, ticket, TicketStatus.Open);
        Assert.Empty(await OutboundAsync(desk, ticket));
        Assert.Contains("List-Id", Assert.Single(await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesSuppressed)));

        // Then she writes to the desk herself, on the ticket: a person is reading, the notices go to her again.
        Assert.Equal(ticket, await IngestAsync(desk, TestMail.Create("ana@example.org", EmailServices.FixtureDesk, $"Re: [SD-{ticket}] Shared drive is read-only", "It is still read-only for me.")));
        Assert.Single(await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesResumed));
        await ChangeStatusAsync(desk, ticket, TicketStatus.Resolved);
        Assert.Equal([MessageKind.ResolutionNotification], await OutboundAsync(desk, ticket));

        // Her next post through the list makes the ticket quiet again (and the resolved ticket reopens without a notice).
        var again = TestMail.Create("ana@example.org", EmailServices.FixtureDesk, $"Re: [SD-{ticket}] Shared drive is read-only", "Same problem on S: again.");
        again.Headers.Add(HeaderId.ListId, "<it-infra.lists.example.org>");
        Assert.Equal(ticket, await IngestAsync(desk, again));
        Assert.Equal(2, (await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesSuppressed)).Count);
        Assert.Equal(TicketStatus.Open, await StatusAsync(desk, ticket));
        await ChangeStatusAsync(desk, ticket, TicketStatus.Resolved);
        Assert.Equal([MessageKind.ResolutionNotification], await OutboundAsync(desk, ticket));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_person_writing_gets_every_notice_as_before(DatabaseProvider provider)
    {
        await using var desk = await EmailServices.CreateDeskAsync(provider, new EmailOptions { Address = EmailServices.FixtureDesk });
        var ticket = (await IngestAsync(desk, TestMail.Create("luis@example.org", EmailServices.FixtureDesk, "Monitor flickers", "My second monitor flickers.")))!.Value;

        await ChangeStatusAsync(desk, ticket, TicketStatus.Resolved);

        Assert.Equal([MessageKind.Acknowledgement, MessageKind.ResolutionNotification], await OutboundAsync(desk, ticket));
        Assert.Empty(await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesSuppressed));
        Assert.Empty(await EventsAsync(desk, ticket, TicketEventKind.AutomaticNoticesResumed));
    }

    private static MimeMessage Alert(string from, string subject)
    {
        var alert = TestMail.Create(from, EmailServices.FixtureDesk, subject, "Host: srv2\nState: CRITICAL");
        alert.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        return alert;
    }

    private static Task ChangeStatusAsync(TestDesk desk, long ticket, TicketStatus status) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(ticket, new TicketChanges(Status: status), "agent:Eva", CancellationToken.None));

    /// <summary>What the desk queued for the requester, oldest first (an outbox row is written with each notice).</summary>
    private static Task<List<MessageKind>> OutboundAsync(TestDesk desk, long ticket) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox
            .Where(o => o.Message.TicketId == ticket)
            .OrderBy(o => o.Id)
            .Select(o => o.Message.Kind)
            .ToListAsync());

    private static Task<List<string?>> EventsAsync(TestDesk desk, long ticket, TicketEventKind kind) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents
            .Where(e => e.TicketId == ticket && e.Kind == kind)
            .OrderBy(e => e.Id)
            .Select(e => e.Detail)
            .ToListAsync());

    private static Task<TicketStatus> StatusAsync(TestDesk desk, long ticket) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.Where(t => t.Id == ticket).Select(t => t.Status).SingleAsync());
}
