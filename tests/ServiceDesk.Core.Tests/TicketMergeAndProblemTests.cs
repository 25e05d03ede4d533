using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

public class TicketMergeAndProblemTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Merging_a_duplicate_moves_its_messages_closes_it_and_tells_its_requester(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var survivor = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<a@mail>", "ana@example.com", "VPN caída"));
        var duplicate = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<b@mail>", "ana@example.com", "La VPN no va"));
        Assert.NotEqual(survivor.TicketId, duplicate.TicketId);

        var merged = await desk.InScopeAsync(sp => sp.GetRequiredService<TicketMerger>().MergeAsync(duplicate.TicketId, survivor.TicketId, "agent:Eva", CancellationToken.None));

        Assert.True(merged);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var closed = await db.Tickets.Include(t => t.Events).SingleAsync(t => t.Id == duplicate.TicketId);
            Assert.Equal(TicketStatus.Closed, closed.Status);
            Assert.Equal(survivor.TicketId, closed.MergedIntoTicketId);
            Assert.Contains(closed.Events, e => e.Kind == TicketEventKind.MergedInto && e.Detail == survivor.TicketNumber);
            Assert.Contains(await db.TicketEvents.Where(e => e.TicketId == survivor.TicketId).ToListAsync(), e => e.Kind == TicketEventKind.DuplicateMerged && e.Detail == duplicate.TicketNumber);

            // The user's message now sits on the surviving ticket; the duplicate keeps only the notice about the merge.
            Assert.Contains(await db.Messages.Where(m => m.TicketId == survivor.TicketId).Select(m => m.Body).ToListAsync(), b => b == "La VPN no va");
            var notice = await db.Messages.SingleAsync(m => m.TicketId == duplicate.TicketId);
            Assert.Equal(Channel.Email, notice.Channel);
            Assert.Contains($"seguiremos en {survivor.TicketNumber}", notice.Body);
        });

        // A later message naming the duplicate lands on the survivor, not on a reopened duplicate.
        var later = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<c@mail>", "ana@example.com", $"Re: [{duplicate.TicketNumber}] sigue igual"));
        Assert.Equal(survivor.TicketId, later.TicketId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_ticket_cannot_be_merged_into_itself_or_into_a_closed_ticket(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var a = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "uno"));
        var b = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<b@mail>", "ana@example.com", "dos"));
        var c = await IntakeTests.ReceiveAsync(desk, IntakeTests.Email("<c@mail>", "luis@example.com", "tres"));
        Task<bool> Merge(long from, long into) => desk.InScopeAsync(sp => sp.GetRequiredService<TicketMerger>().MergeAsync(from, into, "agent:Eva", CancellationToken.None));

        Assert.Equal("merge_into_itself", (await Assert.ThrowsAsync<DomainRuleException>(() => Merge(a.TicketId, a.TicketId))).Code);
        Assert.True(await Merge(b.TicketId, c.TicketId));
        Assert.Equal("merge_target_closed", (await Assert.ThrowsAsync<DomainRuleException>(() => Merge(a.TicketId, b.TicketId))).Code);
        Assert.Equal("already_merged", (await Assert.ThrowsAsync<DomainRuleException>(() => Merge(b.TicketId, a.TicketId))).Code);
        Assert.False(await Merge(a.TicketId, 999_999));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Incidents_link_to_a_problem_record_and_service_requests_do_not(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "VPN caída"));
        var second = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600333444", "VPN otra vez"));
        var request = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM3", "+34600555666", "Quiero un portátil") with { Type = TicketType.ServiceRequest });

        var problem = await desk.InScopeAsync(sp => sp.GetRequiredService<ProblemService>().CreateAsync("VPN gateway drops sessions", "Several users", "agent:Eva", first.TicketId, CancellationToken.None));
        var linked = await desk.InScopeAsync(sp => sp.GetRequiredService<ProblemService>().LinkAsync(second.TicketId, problem.Id, "agent:Eva", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<DomainRuleException>(() => desk.InScopeAsync(sp => sp.GetRequiredService<ProblemService>().LinkAsync(request.TicketId, problem.Id, "agent:Eva", CancellationToken.None)));
        await desk.InScopeAsync(sp => sp.GetRequiredService<ProblemService>().UpdateAsync(problem.Id, new ProblemChanges(ProblemStatus.KnownError, Workaround: "Reconnect with the backup profile"), CancellationToken.None));

        Assert.True(linked);
        Assert.Equal("not_an_incident", refused.Code);
        Assert.Equal($"PRB-{problem.Id}", Problem.NumberFor(problem.Id));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal([first.TicketId, second.TicketId], await db.Tickets.Where(t => t.ProblemId == problem.Id).OrderBy(t => t.Id).Select(t => t.Id).ToListAsync());
            Assert.Contains(await db.TicketEvents.Where(e => e.TicketId == second.TicketId).ToListAsync(), e => e.Kind == TicketEventKind.ProblemLinked && e.Detail == $"PRB-{problem.Id}");
            var stored = await db.Problems.SingleAsync();
            Assert.Equal(ProblemStatus.KnownError, stored.Status);
            Assert.Equal("Reconnect with the backup profile", stored.Workaround);
        });
    }
}
