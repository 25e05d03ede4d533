using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

public class SmsConsentTests
{
    public static TheoryData<DatabaseProvider> Providers => IntakeTests.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Opting_out_and_back_in_is_recorded_on_the_open_tickets(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(new RecordingChannelSender(Channel.Sms)));
        var intake = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));

        var stop = await ConsentAsync(desk, c => c.OptOutAsync("+34 600-111 222", "keyword STOP", CancellationToken.None));
        var again = await ConsentAsync(desk, c => c.OptOutAsync("+34600111222", "keyword STOP", CancellationToken.None));
        Assert.True(await OptedOutAsync(desk, intake.ContactId));
        var start = await ConsentAsync(desk, c => c.OptInAsync("+34600111222", "keyword START", CancellationToken.None));

        Assert.Equal((intake.ContactId, true), (stop.ContactId, stop.Changed));
        Assert.False(again.Changed);
        Assert.True(start.Changed);
        Assert.False(await OptedOutAsync(desk, intake.ContactId));
        var events = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents
            .Where(e => e.TicketId == intake.TicketId && (e.Kind == TicketEventKind.ContactOptedOut || e.Kind == TicketEventKind.ContactOptedIn))
            .OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync());
        Assert.Equal([TicketEventKind.ContactOptedOut, TicketEventKind.ContactOptedIn], events);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stop_from_an_unknown_number_is_remembered_and_nothing_is_queued_for_it(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(new RecordingChannelSender(Channel.Sms)));

        var stop = await ConsentAsync(desk, c => c.OptOutAsync("+34600999888", "keyword STOP", CancellationToken.None));
        var intake = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600999888", "my laptop is broken"));

        Assert.Equal(stop.ContactId, intake.ContactId);
        Assert.True(await OptedOutAsync(desk, intake.ContactId));
        Assert.Empty(desk.Scheduler.Drain());
        var outbound = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.Direction == MessageDirection.Outbound));
        Assert.Equal(0, outbound);
    }

    [Fact]
    public async Task An_opt_in_for_an_unknown_number_creates_nothing()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        var start = await ConsentAsync(desk, c => c.OptInAsync("+34600999888", "keyword START", CancellationToken.None));

        Assert.Null(start.ContactId);
        Assert.Equal(0, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Contacts.CountAsync()));
    }

    private static Task<SmsConsentChange> ConsentAsync(TestDesk desk, Func<SmsConsent, Task<SmsConsentChange>> change) =>
        desk.InScopeAsync(sp => change(sp.GetRequiredService<SmsConsent>()));

    private static Task<bool> OptedOutAsync(TestDesk desk, long contactId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Contacts.Where(c => c.Id == contactId).Select(c => c.SmsOptedOut).SingleAsync());
}
