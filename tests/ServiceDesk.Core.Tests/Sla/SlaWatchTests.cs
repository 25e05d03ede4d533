using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests.Sla;

/// <summary>
/// The SLA watch on a real database. The desk starts Monday 23 November 2026, 10:00 in Madrid (09:00 UTC); business
/// hours 08:00–18:00 on weekdays. A P3 ticket (medium impact and urgency) has 4 working hours for the first response
/// (warned at 3 h: 13:00 local) and 24 for resolution (warned at 18 h: Tuesday 18:00 local).
/// </summary>
public class SlaWatchTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    private static DateTimeOffset Utc(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Warns_once_per_target_when_the_threshold_of_working_time_is_used(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticket = await CreateAsync(desk);

        desk.Time.Set(Utc(23, 11, 59));
        Assert.Equal(0, await RunAsync(desk));
        desk.Time.Set(Utc(23, 12, 0));
        Assert.Equal(1, await RunAsync(desk));
        Assert.Equal(0, await RunAsync(desk));
        Assert.Equal([TicketEventKind.FirstResponseAtRisk], await SlaEventsAsync(desk, ticket));

        // Tuesday 09:00 local is 23 clock hours on, well past 18 h on a wall clock, but only 9 working hours: no resolution warning.
        desk.Time.Set(Utc(24, 8, 0));
        await RunAsync(desk);
        desk.Time.Set(Utc(24, 16, 59));
        await RunAsync(desk);
        Assert.Equal([TicketEventKind.FirstResponseAtRisk, TicketEventKind.FirstResponseBreached], await SlaEventsAsync(desk, ticket));

        desk.Time.Set(Utc(24, 17, 0));
        Assert.Equal(1, await RunAsync(desk));
        Assert.Equal(0, await RunAsync(desk));
        Assert.Equal(
            [TicketEventKind.FirstResponseAtRisk, TicketEventKind.FirstResponseBreached, TicketEventKind.ResolutionAtRisk],
            await SlaEventsAsync(desk, ticket));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Nothing_is_warned_while_pending_and_the_pause_moves_the_resolution_warning(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticket = await CreateAsync(desk);
        await UpdateAsync(desk, ticket, new TicketChanges(Status: TicketStatus.Pending));

        // Past both warning instants (and the resolution warning's on the running clock) while Pending.
        desk.Time.Set(Utc(24, 17, 30));
        await RunAsync(desk);
        Assert.DoesNotContain(TicketEventKind.FirstResponseAtRisk, await SlaEventsAsync(desk, ticket));
        Assert.DoesNotContain(TicketEventKind.ResolutionAtRisk, await SlaEventsAsync(desk, ticket));

        // Back to Open on Wednesday 10:00 local: 20 working hours were spent Pending (8 Mon, 10 Tue, 2 Wed), so the
        // resolution warning moves from Tuesday 18:00 to Thursday 18:00 local.
        desk.Time.Set(Utc(25, 9, 0));
        await UpdateAsync(desk, ticket, new TicketChanges(Status: TicketStatus.Open));
        Assert.Equal(Utc(26, 17, 0), await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.Where(t => t.Id == ticket).Select(t => t.ResolutionWarningAt).SingleAsync()));
        await RunAsync(desk);
        Assert.DoesNotContain(TicketEventKind.ResolutionAtRisk, await SlaEventsAsync(desk, ticket));

        // The first-response target passed while Pending: the breach is told, not a warning too late.
        Assert.DoesNotContain(TicketEventKind.FirstResponseAtRisk, await SlaEventsAsync(desk, ticket));

        desk.Time.Set(Utc(26, 17, 0));
        await RunAsync(desk);
        Assert.Single(await SlaEventsAsync(desk, ticket), TicketEventKind.ResolutionAtRisk);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_priority_change_rearms_a_given_warning_only_when_the_new_instant_is_ahead(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticket = await CreateAsync(desk);
        desk.Time.Set(Utc(23, 12, 0));
        await RunAsync(desk);

        // Down to P4 (8 h first response, warned at 6 h: 16:00 local): more time, so agents hear again as it nears.
        desk.Time.Set(Utc(23, 12, 30));
        await UpdateAsync(desk, ticket, new TicketChanges(Impact: Impact.Low, Urgency: Urgency.Low));
        desk.Time.Set(Utc(23, 14, 59));
        await RunAsync(desk);
        Assert.Single(await SlaEventsAsync(desk, ticket), TicketEventKind.FirstResponseAtRisk);
        desk.Time.Set(Utc(23, 15, 0));
        await RunAsync(desk);
        Assert.Equal(2, (await SlaEventsAsync(desk, ticket)).Count(k => k == TicketEventKind.FirstResponseAtRisk));

        // Up to P2 (1 h, warned at 45 min: long past): no third first-response warning, the breach is what comes next.
        // The resolution warning was not given yet, so it simply moves (6 of 8 h: 16:00 local, past) and is given now.
        desk.Time.Set(Utc(23, 15, 10));
        await UpdateAsync(desk, ticket, new TicketChanges(Impact: Impact.High, Urgency: Urgency.Medium));
        await RunAsync(desk);
        Assert.Equal(
            [TicketEventKind.FirstResponseAtRisk, TicketEventKind.FirstResponseAtRisk, TicketEventKind.ResolutionAtRisk, TicketEventKind.FirstResponseBreached],
            await SlaEventsAsync(desk, ticket));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_breached_resolution_moves_first_line_tickets_to_second_line(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider, settings: new Dictionary<string, string?>
        {
            ["Sla:EscalateOnBreach"] = "true",
            ["Sla:EscalationGroup"] = "Workplace",
        });
        var vpnAtDesk = await CreateAsync(desk, "vpn");
        await UpdateAsync(desk, vpnAtDesk, new TicketChanges(Group: "Service Desk"));
        var general = await CreateAsync(desk, "general");
        var vpnAtNetwork = await CreateAsync(desk, "vpn");

        // Resolution due Wednesday 14:00 local; escalation waits for the breach, not the warning.
        desk.Time.Set(Utc(25, 12, 59));
        await RunAsync(desk);
        Assert.Equal("Service Desk", await GroupAsync(desk, vpnAtDesk));
        desk.Time.Set(Utc(25, 13, 1));
        await RunAsync(desk);

        Assert.Equal("Network", await GroupAsync(desk, vpnAtDesk));
        Assert.Contains(TicketEventKind.EscalatedOnBreach, await SlaEventsAsync(desk, vpnAtDesk));
        Assert.Equal("Workplace", await GroupAsync(desk, general));
        Assert.Equal("Network", await GroupAsync(desk, vpnAtNetwork));
        Assert.DoesNotContain(TicketEventKind.EscalatedOnBreach, await SlaEventsAsync(desk, vpnAtNetwork));
        Assert.Contains(TicketEventKind.ResolutionBreached, await SlaEventsAsync(desk, vpnAtNetwork));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Without_the_setting_a_breach_moves_nothing(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticket = await CreateAsync(desk, "general");
        desk.Time.Set(Utc(26, 9, 0));
        await RunAsync(desk);
        Assert.Equal("Service Desk", await GroupAsync(desk, ticket));
        Assert.Contains(TicketEventKind.ResolutionBreached, await SlaEventsAsync(desk, ticket));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Agents_are_mailed_internally_in_their_language_and_the_requester_never(DatabaseProvider provider)
    {
        var directory = new Directory(new AgentContact("agent-1", "Eva@Desk.test"));
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddScoped<IAgentDirectory>(_ => directory));
        await SetGroupMailboxAsync(desk, "Service Desk", "desk-team@desk.test");

        // Eva once wrote to the desk in English: that is the language the desk knows for her address.
        await CreateAsync(desk, "vpn", requester: "eva@desk.test", language: "en");
        var ticket = await CreateAsync(desk);
        await UpdateAsync(desk, ticket, new TicketChanges(Assignee: "Eva Martín"));
        desk.Scheduler.Drain();

        desk.Time.Set(Utc(23, 12, 0));
        await RunAsync(desk);

        var number = $"SD-{ticket}";
        var mails = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages
            .Where(m => m.Kind == MessageKind.InternalNotice).ToListAsync());
        mails = [.. mails.OrderBy(m => m.Recipient, StringComparer.Ordinal)];
        Assert.Equal(["Eva@Desk.test", "desk-team@desk.test"], mails.Select(m => m.Recipient));
        Assert.All(mails, m => Assert.Null(m.TicketId));
        Assert.All(mails, m => Assert.Equal(MessageVisibility.Internal, m.Visibility));
        Assert.All(mails, m => Assert.Equal(Channel.Email, m.Channel));
        Assert.StartsWith($"SLA warning: {number} needs a first response by", mails[0].Subject);
        Assert.StartsWith($"Aviso de SLA: {number} necesita una primera respuesta antes de", mails[1].Subject);
        Assert.Contains("Eva Martín", mails[0].Body);
        Assert.Contains("the requester does not receive it", mails[0].Body);
        Assert.Equal(["Eva Martín"], directory.Asked.Distinct());

        // Nothing new for the requester: only their acknowledgement is addressed to them.
        var toRequester = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages
            .Where(m => m.Recipient == "ana@example.com").Select(m => m.Kind).ToListAsync());
        Assert.Equal([MessageKind.Acknowledgement], toRequester);
        Assert.Contains(TicketEventKind.SlaAlertMailed, await SlaEventsAsync(desk, ticket));

        // Through the outbox to the e-mail sender, in the language of each recipient, not on the ticket's thread.
        var scheduled = desk.Scheduler.Drain();
        Assert.Equal(2, scheduled.Count);
        foreach (var (id, _) in scheduled)
        {
            await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(id, CancellationToken.None));
        }

        var sent = desk.Services.GetServices<IChannelSender>().OfType<RecordingChannelSender>().Single(s => s.Channel == Channel.Email).Sent
            .OrderBy(m => m.Recipient, StringComparer.Ordinal).ToList();
        Assert.Equal(["Eva@Desk.test", "desk-team@desk.test"], sent.Select(m => m.Recipient));
        Assert.Equal(["en", "es"], sent.Select(m => m.Language));
        Assert.All(sent, m => Assert.Equal(MessageKind.InternalNotice, m.Kind));
        Assert.All(sent, m => Assert.Equal(string.Empty, m.TicketNumber));
        Assert.All(sent, m => Assert.Empty(m.ThreadExternalIds));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_runs_at_once_warn_and_mail_each_ticket_once(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        await SetGroupMailboxAsync(desk, "Service Desk", "desk-team@desk.test");
        var tickets = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            tickets.Add(await CreateAsync(desk));
        }

        desk.Time.Set(Utc(23, 12, 0));
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunAsync(desk))));
        }

        foreach (var ticket in tickets)
        {
            Assert.Equal([TicketEventKind.FirstResponseAtRisk, TicketEventKind.SlaAlertMailed], await SlaEventsAsync(desk, ticket));
        }

        var mails = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox
            .CountAsync(o => o.Message.Kind == MessageKind.InternalNotice));
        Assert.Equal(tickets.Count, mails);
    }

    [Fact]
    public void The_warning_threshold_is_checked_at_start_up()
    {
        var results = new SlaOptions { WarningThreshold = 1.5 }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();
        Assert.Contains(results, r => r.ErrorMessage!.Contains("Sla:WarningThreshold", StringComparison.Ordinal));
        Assert.Empty(new SlaOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())));
    }

    private static Task<int> RunAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<SlaWatch>().RunAsync(CancellationToken.None));

    private static Task<long> CreateAsync(TestDesk desk, string service = "general", string requester = "ana@example.com", string language = "es") =>
        desk.InScopeAsync(async sp => (await sp.GetRequiredService<TicketService>().CreateAsync(
            new NewTicket(TicketType.Incident, "La impresora no imprime", "Nada sale.", new RequesterDetails("Ana", requester, null, language), Impact.Medium, Urgency.Medium, service),
            "test",
            CancellationToken.None)).Id);

    private static Task UpdateAsync(TestDesk desk, long ticket, TicketChanges changes) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(ticket, changes, "agent:test", CancellationToken.None));

    private static Task<List<TicketEventKind>> SlaEventsAsync(TestDesk desk, long ticket)
    {
        TicketEventKind[] sla =
        [
            TicketEventKind.FirstResponseAtRisk, TicketEventKind.ResolutionAtRisk, TicketEventKind.FirstResponseBreached,
            TicketEventKind.ResolutionBreached, TicketEventKind.EscalatedOnBreach, TicketEventKind.SlaAlertMailed,
        ];
        return desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents
            .Where(e => e.TicketId == ticket && sla.Contains(e.Kind)).OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync());
    }

    private static Task<string?> GroupAsync(TestDesk desk, long ticket) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.Where(t => t.Id == ticket).Select(t => t.AssignmentGroup!.Name).SingleAsync())!;

    private static Task SetGroupMailboxAsync(TestDesk desk, string group, string email) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().AssignmentGroups
            .Where(g => g.Name == group).ExecuteUpdateAsync(s => s.SetProperty(g => g.Email, email)));

    private sealed class Directory(AgentContact agent) : IAgentDirectory
    {
        public List<string> Asked { get; } = [];

        public Task<AgentContact?> FindAsync(string assignee, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(assignee);
            }

            return Task.FromResult(assignee == "Eva Martín" ? agent : null);
        }
    }
}
