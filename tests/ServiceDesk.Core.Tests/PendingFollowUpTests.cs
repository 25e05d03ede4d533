using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// A Pending ticket whose requester goes silent gets reminders, then is resolved for no response
/// (<see cref="PendingFollowUp"/>). The desk starts Monday 10:00 in Madrid; the wait is the default 2 days.
/// </summary>
public class PendingFollowUpTests
{
    private const string Question = "Could you tell us the error code shown on the screen?\nA photo also helps.";
    private static readonly TimeSpan Wait = TimeSpan.FromDays(2);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Two_reminders_go_out_a_wait_apart_then_the_ticket_is_resolved_in_business_hours(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var id = await PendingTicketAsync(desk, new RequesterDetails("Ana", "ana@example.com", null, "en"), Question);
        var pendingAt = desk.Time.Now;

        desk.Time.Advance(Wait - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await RunAsync(desk));
        desk.Time.Advance(TimeSpan.FromMinutes(1)); // Wednesday 10:00
        Assert.Equal(1, await RunAsync(desk));
        Assert.Equal(0, await RunAsync(desk)); // a second run finds nothing due

        var first = Assert.Single(await RemindersAsync(desk, id));
        Assert.Equal((Channel.Email, "ana@example.com", MessageKind.StatusNotification), (first.Channel, first.Recipient, first.Kind));
        Assert.Equal("Reminder: we need your answer on Printer jammed", first.Subject);
        Assert.Contains($"ticket SD-{id} is still waiting for your answer", first.Body);
        Assert.Contains("\"Could you tell us the error code shown on the screen? A photo also helps.\"", first.Body);
        Assert.DoesNotContain("(Service Desk) on ticket", first.Body); // the quote, not the agent reply's header
        Assert.Contains("Just reply to this e-mail", first.Body);
        Assert.DoesNotContain("we will resolve the ticket", first.Body);
        var outboxId = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.Where(o => o.MessageId == first.Id).Select(o => o.Id).SingleAsync());
        Assert.Contains(desk.Scheduler.Scheduled, s => s.OutboxId == outboxId); // handed to the job system once committed

        desk.Time.Advance(Wait); // Friday 10:00: the last reminder says when the ticket will be resolved
        Assert.Equal(1, await RunAsync(desk));
        var second = (await RemindersAsync(desk, id))[1];
        Assert.Contains("If we do not hear from you by Monday, 30 November 2026 08:00, we will resolve the ticket", second.Body);

        // Sunday 10:00 is past the wait but outside business hours: the resolution waits for Monday 08:00 in Madrid.
        desk.Time.Advance(Wait);
        Assert.Equal(0, await RunAsync(desk));
        Assert.Equal(TicketStatus.Pending, (await TicketAsync(desk, id)).Status);
        desk.Time.Set(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, await RunAsync(desk));
        Assert.Equal(0, await RunAsync(desk));

        var ticket = await TicketAsync(desk, id);
        Assert.Equal(TicketStatus.Resolved, ticket.Status);
        Assert.Equal(desk.Time.Now, ticket.ResolvedAt);
        var events = ticket.Events.OrderBy(e => e.Id).ToList();
        Assert.Equal(["1/2 via Email", "2/2 via Email"], events.Where(e => e.Kind == TicketEventKind.PendingReminderSent).Select(e => e.Detail));
        var resolvedEvent = Assert.Single(events, e => e.Kind == TicketEventKind.ResolvedNoResponse);
        Assert.Equal(("system", "no response from the requester"), (resolvedEvent.Actor, resolvedEvent.Detail));
        Assert.Contains(events, e => e.Kind == TicketEventKind.StatusChanged && e.Detail == "Pending → Resolved");

        // The usual resolution notice: the requester can still reopen it by replying.
        var notice = Assert.Single(ticket.Messages, m => m.Kind == MessageKind.ResolutionNotification);
        Assert.Contains("just reply and we will reopen it", notice.Body);
        Assert.Equal(2, (await RemindersAsync(desk, id)).Count);

        // The SLA clock was paused the whole time.
        Assert.True(ticket.SlaPausedFor > TimeSpan.Zero);
        Assert.True(pendingAt < ticket.ResolvedAt);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task A_reply_from_the_requester_ends_the_cycle_and_a_later_Pending_starts_a_fresh_one(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var id = await PendingTicketAsync(desk, new RequesterDetails("Luis", "luis@example.com", null, "es"), Question);
        desk.Time.Advance(Wait);
        Assert.Equal(1, await RunAsync(desk));

        desk.Time.Advance(TimeSpan.FromHours(3));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<answer-1@example.com>", "luis@example.com", "Error 0x51") with { TicketId = id });
        var answered = await TicketAsync(desk, id);
        Assert.Equal(TicketStatus.Open, answered.Status);
        Assert.Equal((0, null), (answered.PendingRemindersSent, answered.PendingReminderSentAt));
        desk.Time.Advance(Wait * 3);
        Assert.Equal(0, await RunAsync(desk)); // Open tickets are never chased

        await SetStatusAsync(desk, id, TicketStatus.Pending);
        desk.Time.Advance(Wait - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await RunAsync(desk));
        desk.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await RunAsync(desk));

        var ticket = await TicketAsync(desk, id);
        Assert.Equal(["1/2 via Email", "1/2 via Email"], ticket.Events.Where(e => e.Kind == TicketEventKind.PendingReminderSent).OrderBy(e => e.Id).Select(e => e.Detail));
        var spanish = (await RemindersAsync(desk, id))[^1];
        Assert.Equal("Recordatorio: necesitamos tu respuesta sobre Printer jammed", spanish.Subject);
        Assert.Contains($"el ticket SD-{id} sigue esperando tu respuesta", spanish.Body);
        Assert.Contains("Basta con que respondas a este correo", spanish.Body);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task An_agent_reply_while_Pending_restarts_the_wait_and_the_reminders(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var id = await PendingTicketAsync(desk, new RequesterDetails("Ana", "ana@example.com", null, "en"), Question);
        desk.Time.Advance(Wait);
        Assert.Equal(1, await RunAsync(desk)); // Wednesday 10:00: reminder 1/2

        // Wednesday 12:00 the agent asks something new, still Pending.
        desk.Time.Advance(TimeSpan.FromHours(2));
        const string followUp = "Thanks. Which printer model is it?";
        await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().CommentAsync(id, followUp, MessageVisibility.Public, "Eva", "agent:eva", CancellationToken.None));
        var replied = await TicketAsync(desk, id);
        Assert.Equal((TicketStatus.Pending, 0, (DateTimeOffset?)desk.Time.Now), (replied.Status, replied.PendingRemindersSent, replied.PendingReminderSentAt));

        // Without the reply, Friday 10:00 would have brought reminder 2/2; now the wait counts from Wednesday 12:00.
        desk.Time.Advance(Wait - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await RunAsync(desk));
        desk.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await RunAsync(desk));

        var ticket = await TicketAsync(desk, id);
        Assert.Equal(["1/2 via Email", "1/2 via Email"], ticket.Events.Where(e => e.Kind == TicketEventKind.PendingReminderSent).OrderBy(e => e.Id).Select(e => e.Detail));
        Assert.Contains($"\"{followUp}\"", (await RemindersAsync(desk, id))[^1].Body); // quotes the new question
    }

    [Fact]
    public void An_agent_status_change_resets_the_count()
    {
        var sla = Domain.Sla();
        var now = TestDesk.DefaultStart;
        var ticket = Domain.TicketIn(TicketStatus.Pending, now, sla);
        ticket.RecordPendingReminder(sent: true, "1/2 via Email", now.AddDays(2));
        Assert.Equal(1, ticket.PendingRemindersSent);

        ticket.ChangeStatus(TicketStatus.Open, "agent:eva", sla, now.AddDays(3));

        Assert.Equal((0, null), (ticket.PendingRemindersSent, ticket.PendingReminderSentAt));
        Assert.Throws<DomainRuleException>(() => ticket.RecordPendingReminder(sent: true, "x", now.AddDays(4)));
        Assert.Throws<DomainRuleException>(() => ticket.ResolveForNoResponse(sla, now.AddDays(4)));
    }

    [Fact]
    public async Task Without_automatic_resolution_the_ticket_stays_Pending_after_the_last_reminder()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string?>
        {
            ["Desk:PendingReminders"] = "1",
            ["Desk:ResolveUnansweredPending"] = "false",
            ["Desk:PendingReminderAfter"] = "04:00:00",
        });
        var id = await PendingTicketAsync(desk, new RequesterDetails("Ana", "ana@example.com", null, "en"), question: null);

        desk.Time.Advance(TimeSpan.FromHours(4));
        Assert.Equal(1, await RunAsync(desk));
        desk.Time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, await RunAsync(desk));

        var ticket = await TicketAsync(desk, id);
        Assert.Equal(TicketStatus.Pending, ticket.Status);
        var reminder = Assert.Single(await RemindersAsync(desk, id));
        Assert.Contains($"ticket SD-{id} (\"Printer jammed\") is still waiting for information from you", reminder.Body); // no agent question: the title
        Assert.DoesNotContain("resolve", reminder.Body);
        Assert.Null(await desk.InScopeAsync(sp => sp.GetRequiredService<PendingFollowUp>().NextStepAsync(id, CancellationToken.None)));
    }

    [Fact]
    public async Task An_automated_requester_gets_no_reminder_but_the_ticket_is_still_resolved()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var received = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<alert-1@example.com>", "monitor@example.com", "Disk full") with { AutomatedSender = "List-Id: <alerts.example.com>" });
        var id = received.TicketId;
        await SetStatusAsync(desk, id, TicketStatus.Pending);
        var outboundBefore = await OutboundCountAsync(desk, id);

        // Wednesday and Friday 10:00, then Monday 08:00 in Madrid (Sunday is outside business hours).
        foreach (var at in new[] { 25, 27, 30 })
        {
            desk.Time.Set(new DateTimeOffset(2026, 11, at, at == 30 ? 7 : 9, 0, 0, TimeSpan.Zero));
            Assert.Equal(1, await RunAsync(desk));
        }

        var ticket = await TicketAsync(desk, id);
        Assert.Equal(TicketStatus.Resolved, ticket.Status);
        Assert.Equal(outboundBefore, await OutboundCountAsync(desk, id)); // no reminder, no resolution notice
        Assert.Equal(
            ["1/2: automatic notices suppressed", "2/2: automatic notices suppressed"],
            ticket.Events.Where(e => e.Kind == TicketEventKind.PendingReminderSkipped).OrderBy(e => e.Id).Select(e => e.Detail));
        Assert.DoesNotContain(ticket.Events, e => e.Kind == TicketEventKind.PendingReminderSent);
    }

    [Fact]
    public async Task An_sms_contact_who_opted_out_gets_no_text_and_one_with_an_email_gets_it_by_email()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var smsOnly = await PendingTicketAsync(desk, new RequesterDetails("Marta", null, "+34600111222", "es"), Question);
        var both = await PendingTicketAsync(desk, new RequesterDetails("Pablo", "pablo@example.com", "+34600333444", "es"), Question);
        await desk.InScopeAsync(async sp =>
        {
            await sp.GetRequiredService<SmsConsent>().OptOutAsync("+34600111222", "STOP", CancellationToken.None);
            await sp.GetRequiredService<SmsConsent>().OptOutAsync("+34600333444", "STOP", CancellationToken.None);
        });
        var smsBefore = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.Channel == Channel.Sms && m.Direction == MessageDirection.Outbound));

        desk.Time.Advance(Wait);
        Assert.Equal(2, await RunAsync(desk));

        var smsAfter = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.Channel == Channel.Sms && m.Direction == MessageDirection.Outbound));
        Assert.Equal(smsBefore, smsAfter);
        Assert.Empty(await RemindersAsync(desk, smsOnly));
        var skipped = (await TicketAsync(desk, smsOnly)).Events;
        Assert.Contains(skipped, e => e.Kind == TicketEventKind.PendingReminderSkipped && e.Detail == "1/2: no reachable channel");
        Assert.Contains(skipped, e => e.Kind == TicketEventKind.DeliveryFailed);
        var byEmail = Assert.Single(await RemindersAsync(desk, both));
        Assert.Equal((Channel.Email, "pablo@example.com"), (byEmail.Channel, byEmail.Recipient));
    }

    [Fact]
    public async Task An_sms_reminder_is_one_short_text_with_the_question_cut()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var id = await PendingTicketAsync(desk, new RequesterDetails("Marta", null, "+34600111222", "es"), Question);

        desk.Time.Advance(Wait);
        Assert.Equal(1, await RunAsync(desk));

        var sms = Assert.Single(await RemindersAsync(desk, id));
        Assert.Equal((Channel.Sms, "+34600111222"), (sms.Channel, sms.Recipient));
        Assert.Equal($"SD-{id} \"Could you tell us the error code shown on the screen? A...\": seguimos esperando tu respuesta. Responde a este SMS.", sms.Body);
        Assert.True(sms.Body.Length <= 160);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Two_runs_at_once_send_each_reminder_once(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await PendingTicketAsync(desk, new RequesterDetails($"User {i}", $"user{i}@example.com", null, "en"), Question));
        }

        desk.Time.Advance(Wait);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunAsync(desk))));

        Assert.Equal(ids.Count, runs.Sum());
        foreach (var id in ids)
        {
            Assert.Single(await RemindersAsync(desk, id));
            Assert.Single((await TicketAsync(desk, id)).Events, e => e.Kind == TicketEventKind.PendingReminderSent);
        }

        Assert.Equal(ids.Count, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.CountAsync(o => o.Message.Subject!.StartsWith("Reminder:"))));
    }

    [Fact]
    public async Task The_next_step_is_known_for_the_console()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var id = await PendingTicketAsync(desk, new RequesterDetails("Ana", "ana@example.com", null, "en"), Question);
        var start = desk.Time.Now;

        var next = await desk.InScopeAsync(sp => sp.GetRequiredService<PendingFollowUp>().NextStepAsync(id, CancellationToken.None));
        Assert.Equal(new PendingFollowUpStep(start + Wait, Resolves: false, Reminder: 1, Reminders: 2), next);

        desk.Time.Advance(Wait);
        await RunAsync(desk);
        desk.Time.Advance(Wait);
        await RunAsync(desk);
        next = await desk.InScopeAsync(sp => sp.GetRequiredService<PendingFollowUp>().NextStepAsync(id, CancellationToken.None));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero), next!.DueAt); // Sunday moved to Monday 08:00 Madrid
        Assert.True(next.Resolves);
    }

    private static Task<int> RunAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<PendingFollowUp>().RunAsync(CancellationToken.None));

    /// <summary>A web ticket for the requester, an agent's public question (when given), then Pending.</summary>
    private static async Task<long> PendingTicketAsync(TestDesk desk, RequesterDetails requester, string? question)
    {
        var ticket = await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().CreateAsync(
            new NewTicket(TicketType.Incident, "Printer jammed", "The printer on floor 2 is jammed", requester, Impact.Low, Urgency.Low, null), "api", CancellationToken.None));
        if (question is not null)
        {
            await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().CommentAsync(ticket.Id, question, MessageVisibility.Public, "Eva", "agent:eva", CancellationToken.None));
        }

        await SetStatusAsync(desk, ticket.Id, TicketStatus.Pending);
        return ticket.Id;
    }

    private static Task SetStatusAsync(TestDesk desk, long id, TicketStatus status) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(id, new TicketChanges(Status: status), "agent:eva", CancellationToken.None));

    private static Task<Ticket> TicketAsync(TestDesk desk, long id) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Tickets.AsNoTracking()
            .Include(t => t.Events).Include(t => t.Messages).SingleAsync(t => t.Id == id));

    private static Task<List<Message>> RemindersAsync(TestDesk desk, long id) =>
        desk.InScopeAsync<List<Message>>(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var messages = await db.Messages.AsNoTracking().Where(m => m.TicketId == id && m.Direction == MessageDirection.Outbound && m.Kind == MessageKind.StatusNotification).OrderBy(m => m.Id).ToListAsync();

            // A reminder's subject says so, on every channel (an SMS keeps it on the message, not on the wire).
            return [.. messages.Where(m => m.Subject is { } s && (s.StartsWith("Reminder:", StringComparison.Ordinal) || s.StartsWith("Recordatorio:", StringComparison.Ordinal)))];
        });

    private static Task<int> OutboundCountAsync(TestDesk desk, long id) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.TicketId == id && m.Direction == MessageDirection.Outbound));
}
