using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>Delivery reports from a channel (Twilio status callbacks) on an outbound message.</summary>
public class DeliveryTrackingTests
{
    public static TheoryData<DatabaseProvider> Providers => IntakeTests.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Reports_move_a_message_forward_and_out_of_order_ones_change_nothing(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        var (outboxId, sid) = await SendOneAsync(desk);

        var delivered = await ReportAsync(desk, sid, DeliveryState.Delivered);
        var lateSent = await ReportAsync(desk, sid, DeliveryState.Sent);
        var lateQueued = await ReportAsync(desk, sid, DeliveryState.Queued);
        var lateFailed = await ReportAsync(desk, sid, DeliveryState.Failed, "Twilio undelivered (error 30003)");

        Assert.Equal([DeliveryReportOutcome.Applied, DeliveryReportOutcome.Ignored, DeliveryReportOutcome.Ignored, DeliveryReportOutcome.Ignored], [delivered, lateSent, lateQueued, lateFailed]);
        var message = await MessageAsync(desk, outboxId);
        Assert.Equal(DeliveryState.Delivered, message.DeliveryState);
        Assert.Null(message.DeliveryError);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_failure_report_records_the_error_on_the_message_and_the_ticket(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        var (outboxId, sid) = await SendOneAsync(desk);

        Assert.Equal(DeliveryReportOutcome.Applied, await ReportAsync(desk, sid, DeliveryState.Failed, "Twilio undelivered (error 30003)"));

        var message = await MessageAsync(desk, outboxId);
        Assert.Equal(DeliveryState.Failed, message.DeliveryState);
        Assert.Equal("Twilio undelivered (error 30003)", message.DeliveryError);
        var failures = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents
            .Where(e => e.TicketId == message.TicketId && e.Kind == TicketEventKind.DeliveryFailed).Select(e => e.Detail).ToListAsync());
        Assert.Equal(["Sms: Twilio undelivered (error 30003)"], failures);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_report_naming_the_delivery_key_confirms_an_interrupted_send(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        // As after a crash mid-send: the row is Unconfirmed and the message has no Twilio id.
        var key = await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var row = await db.Outbox.Include(o => o.Message).SingleAsync(o => o.Id == outboxId);
            row.State = OutboxState.Unconfirmed;
            row.Message.DeliveryState = DeliveryState.Unconfirmed;
            await db.SaveChangesAsync();
            return row.DeliveryKey;
        });

        var outcome = await desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>()
            .ReportAsync(Channel.Sms, "SMfeedfeedfeedfeedfeedfeedfeedfeed", key, DeliveryState.Delivered, null, CancellationToken.None));

        Assert.Equal(DeliveryReportOutcome.Applied, outcome);
        var confirmed = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.Include(o => o.Message).SingleAsync(o => o.Id == outboxId));
        Assert.Equal(OutboxState.Sent, confirmed.State);
        Assert.Equal(DeliveryState.Delivered, confirmed.Message.DeliveryState);
        Assert.Equal("SMfeedfeedfeedfeedfeedfeedfeedfeed", confirmed.Message.ExternalId);
    }

    [Fact]
    public async Task A_report_for_an_unknown_message_is_ignored()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        var outcome = await ReportAsync(desk, "SM0000", DeliveryState.Delivered);
        var byUnknownKey = await desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>()
            .ReportAsync(Channel.Sms, "SM0001", Guid.NewGuid(), DeliveryState.Delivered, null, CancellationToken.None));

        Assert.Equal(DeliveryReportOutcome.UnknownMessage, outcome);
        Assert.Equal(DeliveryReportOutcome.UnknownMessage, byUnknownKey);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_report_that_overtakes_the_send_is_not_undone_when_the_send_is_recorded(DatabaseProvider provider)
    {
        var sender = new ReportingWhileSendingSender();
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sender));
        sender.Desk = desk;
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, CancellationToken.None));

        var message = await MessageAsync(desk, outboxId);
        Assert.Equal(DeliveryState.Delivered, message.DeliveryState);
        Assert.Equal(ReportingWhileSendingSender.Sid, message.ExternalId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_keyed_report_that_arrives_before_an_unanswered_send_fails_makes_it_sent(DatabaseProvider provider)
    {
        // Twilio's callback names the delivery key while the answer to the send is lost (a timeout).
        var sender = new ReportingWhileSendingSender { Answer = DeliveryResult.Unconfirmed("timed out") };
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sender));
        sender.Desk = desk;
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, CancellationToken.None));

        var row = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.AsNoTracking().Include(o => o.Message).SingleAsync(o => o.Id == outboxId));
        Assert.Equal(OutboxState.Sent, row.State);
        Assert.Equal(DeliveryState.Delivered, row.Message.DeliveryState);
        Assert.Equal(ReportingWhileSendingSender.Sid, row.Message.ExternalId);
        Assert.Empty(desk.Scheduler.Drain());
    }

    private static async Task<(long OutboxId, string Sid)> SendOneAsync(TestDesk desk)
    {
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());
        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, CancellationToken.None));
        var message = await MessageAsync(desk, outboxId);
        Assert.Equal(DeliveryState.Sent, message.DeliveryState);
        return (outboxId, message.ExternalId!);
    }

    private static Task<DeliveryReportOutcome> ReportAsync(TestDesk desk, string sid, DeliveryState state, string? error = null) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>().ReportAsync(Channel.Sms, sid, null, state, error, CancellationToken.None));

    private static Task<Message> MessageAsync(TestDesk desk, long outboxId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.AsNoTracking().Where(o => o.Id == outboxId).Select(o => o.Message).SingleAsync());

    /// <summary>A channel whose delivery report arrives before its send call returns (a fast Twilio callback).</summary>
    private sealed class ReportingWhileSendingSender : IChannelSender
    {
        public const string Sid = "SMabcabcabcabcabcabcabcabcabcabcab";

        public TestDesk Desk { get; set; } = null!;

        public Channel Channel => Channel.Sms;

        /// <summary>What the send itself answers once the report is in.</summary>
        public DeliveryResult Answer { get; init; } = DeliveryResult.Sent(Sid);

        public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            await Desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>()
                .ReportAsync(Channel.Sms, Sid, message.DeliveryKey, DeliveryState.Delivered, null, cancellationToken));
            return Answer;
        }
    }
}
