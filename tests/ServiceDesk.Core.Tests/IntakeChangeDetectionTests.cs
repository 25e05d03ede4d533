using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// How many times a message's intake runs EF's change detection over every tracked entity (each costs a pass over all of
/// them): the lookups of tracked rows by key or by columns that do not change skip it, and the save runs its own.
/// </summary>
public class IntakeChangeDetectionTests
{
    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_message_runs_the_change_detection_for_its_save_only(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        await ReceiveAsync(desk, Sms("SM0", "+34600000000", "Calentando"));

        var (created, onCreate) = await CountingDetectionAsync(desk, Sms("SM1", "+34600111222", "Mi portátil no enciende"));
        var (appended, onAppend) = await CountingDetectionAsync(desk, Sms("SM2", "+34600111222", "Sigue sin funcionar"));
        var (second, onSecond) = await CountingDetectionAsync(desk, Sms("SM3", "+34600111222", "Otra cosa") with { StartsNewTicket = true });

        Assert.Equal(IntakeOutcome.CreatedTicket, created.Outcome);
        Assert.Equal(IntakeOutcome.AppendedToTicket, appended.Outcome);
        Assert.Equal(created.TicketId, appended.TicketId);
        Assert.Equal(IntakeOutcome.CreatedTicket, second.Outcome);

        // The save's; on PostgreSQL a new ticket's keys, drawn before it for the rows the save inserts, run one more.
        var forNewTicket = provider == DatabaseProvider.PostgreSql ? 2 : 1;
        Assert.True(onCreate <= forNewTicket, $"{onCreate} change detections for a first contact's new ticket");
        Assert.True(onAppend <= 1, $"{onAppend} change detections for an append");
        Assert.True(onSecond <= forNewTicket, $"{onSecond} change detections for a returning sender's new ticket");
    }

    private static Task<(IntakeResult Result, int Detections)> CountingDetectionAsync(TestDesk desk, InboundMessage message) =>
        desk.InScopeAsync(async sp =>
        {
            var detections = 0;
            sp.GetRequiredService<ServiceDeskDbContext>().ChangeTracker.DetectingAllChanges += (_, _) => detections++;
            var result = await sp.GetRequiredService<IntakeService>().ReceiveAsync(message, CancellationToken.None);
            return (result, detections);
        });
}
