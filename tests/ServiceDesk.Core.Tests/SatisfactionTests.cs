using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>CSAT answers (one per ticket, on the timeline) and the requester confirming or rejecting a resolution.</summary>
public class SatisfactionTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task One_answer_per_ticket_a_second_one_updates_it_and_each_is_on_the_timeline(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticketId = await ResolvedTicketAsync(desk);

        await RateAsync(desk, ticketId, 2, null, Channel.Sms);
        desk.Time.Advance(TimeSpan.FromMinutes(5));
        await RateAsync(desk, ticketId, 4, "Fixed quickly in the end", Channel.Teams);
        await desk.InScopeAsync(sp => Run(sp, async (db, ticket, survey, ct) => await survey.CommentAsync(ticket, "  And politely.  ", "contact:1", ct), ticketId));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var response = await db.SatisfactionResponses.SingleAsync();
            Assert.Equal(ticketId, response.TicketId);
            Assert.Equal(4, response.Rating);
            Assert.Equal("And politely.", response.Comment);
            Assert.Equal(Channel.Teams, response.Channel);
            Assert.Equal(desk.Time.Now, response.RespondedAt);
            TicketEventKind[] survey = [TicketEventKind.SatisfactionRated, TicketEventKind.SatisfactionCommented];
            var events = await db.TicketEvents.Where(e => e.TicketId == ticketId && survey.Contains(e.Kind)).OrderBy(e => e.Id).Select(e => new { e.Kind, e.Detail }).ToListAsync();
            Assert.Equal(
                [(TicketEventKind.SatisfactionRated, "2/5"), (TicketEventKind.SatisfactionRated, "4/5"), (TicketEventKind.SatisfactionCommented, (string?)null)],
                events.Select(e => (e.Kind, e.Detail)));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Concurrent_first_answers_leave_one_response(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticketId = await ResolvedTicketAsync(desk);

        await Task.WhenAll(Enumerable.Range(1, 5).Select(rating => Task.Run(() => RateAsync(desk, ticketId, rating, null, Channel.Sms))));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1, await db.SatisfactionResponses.CountAsync());
            Assert.Equal(5, await db.TicketEvents.CountAsync(e => e.TicketId == ticketId && e.Kind == TicketEventKind.SatisfactionRated));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_open_ticket_or_a_rating_outside_1_to_5_is_refused(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var open = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "Sin wifi"));
        var resolved = await ResolvedTicketAsync(desk, "+34600333444");

        var notResolved = await Assert.ThrowsAsync<DomainRuleException>(() => RateAsync(desk, open.TicketId, 5, null, Channel.Sms));
        var outOfRange = await Assert.ThrowsAsync<DomainRuleException>(() => RateAsync(desk, resolved, 6, null, Channel.Sms));

        Assert.Equal("not_resolved", notResolved.Code);
        Assert.Equal("invalid_rating", outOfRange.Code);
        Assert.Equal(0, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().SatisfactionResponses.CountAsync()));
    }

    [Fact]
    public void Confirming_a_resolution_closes_the_ticket()
    {
        var sla = Domain.Sla();
        var ticket = Domain.TicketIn(TicketStatus.Resolved, Now, sla);

        ticket.ConfirmResolution("contact:1", Now.AddHours(1));

        Assert.Equal(TicketStatus.Closed, ticket.Status);
        Assert.Equal(Now.AddHours(1), ticket.ClosedAt);
        Assert.Contains(ticket.Events, e => e.Kind == TicketEventKind.ResolutionConfirmed && e.Actor == "contact:1");
        Assert.Equal("not_resolved", Assert.Throws<DomainRuleException>(() => Domain.TicketIn(TicketStatus.Open, Now, sla).ConfirmResolution("contact:1", Now)).Code);
    }

    [Fact]
    public void Rejecting_a_resolution_reopens_within_the_window_only()
    {
        var sla = Domain.Sla();
        var window = TimeSpan.FromDays(7);
        var recent = Domain.TicketIn(TicketStatus.Resolved, Now, sla);
        var old = Domain.TicketIn(TicketStatus.Closed, Now, sla);

        Assert.True(recent.RejectResolution("contact:1", window, sla, Now.AddDays(2)));
        Assert.False(old.RejectResolution("contact:1", window, sla, Now.AddDays(8)));

        Assert.Equal(TicketStatus.Open, recent.Status);
        Assert.Null(recent.ResolvedAt);
        Assert.Contains(recent.Events, e => e.Kind == TicketEventKind.ResolutionRejected);
        Assert.Contains(recent.Events, e => e.Kind == TicketEventKind.Reopened);
        Assert.Equal(TicketStatus.Closed, old.Status);
        Assert.DoesNotContain(old.Events, e => e.Kind == TicketEventKind.ResolutionRejected);
        Assert.Throws<DomainRuleException>(() => Domain.TicketIn(TicketStatus.Pending, Now, sla).RejectResolution("contact:1", window, sla, Now));
    }

    private static async Task<long> ResolvedTicketAsync(TestDesk desk, string phone = "+34600111222")
    {
        var received = await ReceiveAsync(desk, Sms($"SM-{phone}", phone, "Sin correo"));
        await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(received.TicketId, new TicketChanges(Status: TicketStatus.Resolved), "agent:eva", CancellationToken.None));
        return received.TicketId;
    }

    private static Task RateAsync(TestDesk desk, long ticketId, int rating, string? comment, Channel channel) =>
        desk.InScopeAsync(sp => Run(sp, (db, ticket, survey, ct) => survey.RateAsync(ticket, rating, comment, channel, "contact:1", ct), ticketId));

    /// <summary>Like a caller of the survey: load the ticket, record, save, in one retried transaction.</summary>
    private static Task<int> Run<T>(IServiceProvider sp, Func<ServiceDeskDbContext, Ticket, SatisfactionSurvey, CancellationToken, Task<T>> work, long ticketId) =>
        sp.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                var db = sp.GetRequiredService<ServiceDeskDbContext>();
                var ticket = await db.Tickets.SingleAsync(t => t.Id == ticketId, ct);
                await work(db, ticket, sp.GetRequiredService<SatisfactionSurvey>(), ct);
                return await db.SaveChangesAsync(ct);
            },
            CancellationToken.None);
}
