using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

/// <summary>Twilio's refusals, answered by a stub built from Twilio's documented error bodies, through the real outbox.</summary>
public class SenderErrorTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_opted_out_recipient_is_marked_and_never_retried(DatabaseProvider provider)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl);
        stub.Script(StubResponse.FromFixture("error-21610.json"));
        var intake = await desk.ReceiveAsync("+34600111222");

        var jobs = await desk.DeliverScheduledAsync();

        var row = await desk.OutboxAsync(Assert.Single(jobs).OutboxId);
        Assert.Equal(OutboxState.Failed, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Contains("21610", row.Message.DeliveryError);
        Assert.Empty(desk.Desk.Scheduler.Scheduled);
        var contact = await desk.QueryAsync(db => db.Contacts.Include(c => c.Identities).SingleAsync(c => c.Id == intake.ContactId));
        Assert.True(contact.SmsOptedOut);
        Assert.False(contact.Identities.Single().Unreachable);
        var events = await desk.QueryAsync(db => db.TicketEvents.Where(e => e.TicketId == intake.TicketId).Select(e => e.Kind).ToListAsync());
        Assert.Contains(TicketEventKind.ContactOptedOut, events);

        // Later updates are not even queued for SMS.
        await desk.Desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(intake.TicketId, new TicketChanges(Status: TicketStatus.Open), "agent:eva", CancellationToken.None));
        await desk.DeliverScheduledAsync();
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, 21211, "The 'To' number +34600 is not a valid phone number.")]
    [InlineData(DatabaseProvider.PostgreSql, 21614, "'To' number is not a valid mobile number")]
    public async Task An_invalid_or_landline_number_is_recorded_on_the_contact_and_the_ticket(DatabaseProvider provider, int code, string message)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl);
        stub.Script(StubResponse.Error(400, code, message));
        var intake = await desk.ReceiveAsync("+34600");

        var jobs = await desk.DeliverScheduledAsync();

        var row = await desk.OutboxAsync(Assert.Single(jobs).OutboxId);
        Assert.Equal(OutboxState.Failed, row.State);
        Assert.Equal(DeliveryState.Failed, row.Message.DeliveryState);
        var identity = await desk.QueryAsync(db => db.ContactIdentities.SingleAsync(i => i.ContactId == intake.ContactId));
        Assert.True(identity.Unreachable);
        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), identity.UnreachableReason);
        var events = await desk.QueryAsync(db => db.TicketEvents.Where(e => e.TicketId == intake.TicketId).Select(e => e.Kind).ToListAsync());
        Assert.Contains(TicketEventKind.ContactUnreachable, events);
        Assert.Contains(TicketEventKind.DeliveryFailed, events);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Too_many_requests_is_retried_no_earlier_than_Retry_After(DatabaseProvider provider)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl);
        stub.Script(StubResponse.TooManyRequests(retryAfterSeconds: 37));
        await desk.ReceiveAsync("+34600111222");

        var first = Assert.Single(await desk.DeliverScheduledAsync());
        var retry = Assert.Single(desk.Desk.Scheduler.Drain());

        Assert.Equal(first.OutboxId, retry.OutboxId);
        Assert.Equal(desk.Desk.Time.Now + TimeSpan.FromSeconds(37), retry.NotBefore);
        var pending = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Pending, pending.State);
        Assert.Contains("429", pending.LastError);

        // Too early: the row is not due, nothing is sent.
        desk.Desk.Time.Advance(TimeSpan.FromSeconds(30));
        await desk.DeliverAsync(first.OutboxId);
        Assert.Single(stub.Requests);

        desk.Desk.Time.Advance(TimeSpan.FromSeconds(7));
        await desk.DeliverAsync(first.OutboxId);

        var sent = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Sent, sent.State);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(stub.Requests[0].Form["Body"], stub.Requests[1].Form["Body"]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_server_error_is_retried_with_the_outbox_backoff(DatabaseProvider provider)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl);
        stub.Script(StubResponse.Error(503, 20503, "Service Unavailable"));
        await desk.ReceiveAsync("+34600111222");

        var first = Assert.Single(await desk.DeliverScheduledAsync());
        var retry = Assert.Single(desk.Desk.Scheduler.Drain());

        // No Retry-After: the outbox's first retry delay (10 s).
        Assert.Equal(desk.Desk.Time.Now + TimeSpan.FromSeconds(10), retry.NotBefore);
        desk.Desk.Time.Advance(TimeSpan.FromSeconds(10));
        await desk.DeliverAsync(first.OutboxId);
        Assert.Equal(OutboxState.Sent, (await desk.OutboxAsync(first.OutboxId)).State);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_retry_never_sends_a_message_Twilio_already_reported(DatabaseProvider provider)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl);
        stub.Script(StubResponse.Error(500, 20500, "Internal Server Error"));
        await desk.ReceiveAsync("+34600111222");
        var first = Assert.Single(await desk.DeliverScheduledAsync());
        Assert.Single(desk.Desk.Scheduler.Drain());
        var row = await desk.OutboxAsync(first.OutboxId);

        // Twilio did create the message despite the 500: its status callback names the delivery key.
        await desk.Desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>().ReportAsync(
            Channel.Sms, "SM00000000000000000000000000000001", row.DeliveryKey, DeliveryState.Sent, null, CancellationToken.None));
        desk.Desk.Time.Advance(TimeSpan.FromSeconds(10));
        await desk.DeliverAsync(first.OutboxId);

        var done = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Sent, done.State);
        Assert.Equal("SM00000000000000000000000000000001", done.Message.ExternalId);
        Assert.Single(stub.Requests);
    }

    public static TheoryData<DatabaseProvider, StubFault> LostAnswers => new()
    {
        { DatabaseProvider.Sqlite, StubFault.NoAnswer },
        { DatabaseProvider.PostgreSql, StubFault.NoAnswer },
        { DatabaseProvider.Sqlite, StubFault.ResetMidResponse },
        { DatabaseProvider.PostgreSql, StubFault.ResetMidResponse },
    };

    [Theory]
    [MemberData(nameof(LostAnswers))]
    public async Task A_send_whose_answer_is_lost_is_unconfirmed_not_resent_and_confirmed_by_the_callback(DatabaseProvider provider, StubFault fault)
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(provider, stub.BaseUrl, timeout: TimeSpan.FromSeconds(2));
        stub.Script(fault == StubFault.NoAnswer ? StubResponse.NoAnswer() : StubResponse.ResetMidResponse());
        var intake = await desk.ReceiveAsync("+34600111222");

        var first = Assert.Single(await desk.DeliverScheduledAsync());

        // Twilio had the request: sending it again could text the person twice.
        Assert.Empty(desk.Desk.Scheduler.Drain());
        var row = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Unconfirmed, row.State);
        Assert.Equal(DeliveryState.Unconfirmed, row.Message.DeliveryState);
        Assert.Contains("may have reached the recipient", row.Message.DeliveryError);
        var events = await desk.QueryAsync(db => db.TicketEvents.Where(e => e.TicketId == intake.TicketId).Select(e => e.Kind).ToListAsync());
        Assert.Contains(TicketEventKind.DeliveryUnconfirmed, events);
        await desk.Desk.InScopeAsync(sp => sp.GetRequiredService<OutboxRecovery>().RequeueAsync(CancellationToken.None));
        Assert.Empty(desk.Desk.Scheduler.Drain());

        // Twilio's status callback for that message names the delivery key: it did go out.
        Assert.EndsWith($"key={row.DeliveryKey:N}", Assert.Single(stub.Requests).Form["StatusCallback"]);
        await desk.Desk.InScopeAsync(sp => sp.GetRequiredService<DeliveryTracking>().ReportAsync(
            Channel.Sms, "SM00000000000000000000000000000002", row.DeliveryKey, DeliveryState.Delivered, null, CancellationToken.None));
        var confirmed = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Sent, confirmed.State);
        Assert.Equal(DeliveryState.Delivered, confirmed.Message.DeliveryState);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_refused_connection_sent_nothing_and_is_retried(DatabaseProvider provider)
    {
        await using var desk = await SmsDesk.CreateAsync(provider, new Uri($"http://127.0.0.1:{LoopbackPorts.Unused()}/"));
        await desk.ReceiveAsync("+34600111222");

        var first = Assert.Single(await desk.DeliverScheduledAsync());

        var retry = Assert.Single(desk.Desk.Scheduler.Drain());
        Assert.Equal(first.OutboxId, retry.OutboxId);
        Assert.Equal(desk.Desk.Time.Now + TimeSpan.FromSeconds(10), retry.NotBefore);
        var row = await desk.OutboxAsync(first.OutboxId);
        Assert.Equal(OutboxState.Pending, row.State);
        Assert.Contains("ConnectionError", row.LastError);
        Assert.Equal(DeliveryState.Queued, row.Message.DeliveryState);
    }

    [Fact]
    public async Task Credentials_go_as_basic_auth_to_the_account_url()
    {
        await using var stub = await TwilioStub.StartAsync();
        await using var desk = await SmsDesk.CreateAsync(DatabaseProvider.Sqlite, stub.BaseUrl);
        await desk.ReceiveAsync("+34600111222");

        await desk.DeliverScheduledAsync();

        var request = Assert.Single(stub.Requests);
        Assert.Equal(SmsDesk.AccountSid, request.AccountSid);
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{SmsDesk.AccountSid}:{SmsDesk.AuthToken}")), request.Authorization);
    }
}
