using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

public class OutboxTests
{
    public static TheoryData<DatabaseProvider> Providers => IntakeTests.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_queued_notification_is_sent_once_and_marked_sent(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await DeliverAsync(desk, outboxId);
        await DeliverAsync(desk, outboxId);

        var sent = Assert.Single(sms.Sent);
        Assert.Equal("+34600111222", sent.Recipient);
        var row = await LoadAsync(desk, outboxId);
        Assert.Equal(OutboxState.Sent, row.State);
        Assert.Equal(DeliveryState.Sent, row.Message.DeliveryState);
        Assert.Equal(sent.DeliveryKey, row.DeliveryKey);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_job_killed_after_sending_and_before_marking_never_sends_again(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        var crash = new CrashOnOutboxWrite();
        await using var desk = await TestDesk.CreateAsync(provider, s =>
        {
            s.AddSingleton<IChannelSender>(sms);
            s.AddDeskInterceptor(crash);
        });
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        // The send succeeds, then the process "dies" as it records the outcome.
        crash.Armed = true;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => DeliverAsync(desk, outboxId));
        crash.Armed = false;
        Assert.Single(sms.Sent);

        // Hangfire retries at once: the claim is fresh, so the retry leaves it alone.
        await DeliverAsync(desk, outboxId);
        Assert.Single(sms.Sent);

        // Later, recovery finds the stale claim: marked unconfirmed, still not sent twice.
        desk.Time.Advance(TimeSpan.FromMinutes(10));
        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxRecovery>().RequeueAsync(CancellationToken.None));
        foreach (var (id, _) in desk.Scheduler.Drain())
        {
            await DeliverAsync(desk, id);
        }

        Assert.Single(sms.Sent);
        var row = await LoadAsync(desk, outboxId);
        Assert.Equal(OutboxState.Unconfirmed, row.State);
        Assert.Equal(DeliveryState.Unconfirmed, row.Message.DeliveryState);
        Assert.True(await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents.AnyAsync(e => e.Kind == TicketEventKind.DeliveryUnconfirmed)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_send_that_may_have_gone_out_is_unconfirmed_on_the_ticket_and_never_sent_again(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        sms.Script(DeliveryResult.Unconfirmed("timed out waiting for the answer"));
        var intake = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await DeliverAsync(desk, outboxId);

        Assert.Empty(desk.Scheduler.Drain());
        desk.Time.Advance(TimeSpan.FromHours(1));
        await DeliverAsync(desk, outboxId);
        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxRecovery>().RequeueAsync(CancellationToken.None));
        Assert.Empty(desk.Scheduler.Drain());
        Assert.Single(sms.Sent);
        var row = await LoadAsync(desk, outboxId);
        Assert.Equal(OutboxState.Unconfirmed, row.State);
        Assert.Equal(DeliveryState.Unconfirmed, row.Message.DeliveryState);
        Assert.Equal("timed out waiting for the answer", row.Message.DeliveryError);
        var unconfirmed = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().TicketEvents
            .Where(e => e.TicketId == intake.TicketId && e.Kind == TicketEventKind.DeliveryUnconfirmed).Select(e => e.Detail).ToListAsync());
        Assert.Equal([$"message {row.MessageId}: timed out waiting for the answer"], unconfirmed);
    }

    public static TheoryData<string, DeliveryOutcome> EscapedFailures => new()
    {
        { "refused", DeliveryOutcome.Transient },
        { "unresolvable", DeliveryOutcome.Transient },
        { "tls", DeliveryOutcome.Transient },
        { "timeout", DeliveryOutcome.Unconfirmed },
        { "reset", DeliveryOutcome.Unconfirmed },
        { "response-ended", DeliveryOutcome.Unconfirmed },
    };

    [Theory]
    [MemberData(nameof(EscapedFailures))]
    public async Task A_failure_that_escapes_a_channel_is_retried_only_when_nothing_can_have_gone_out(string failure, DeliveryOutcome expected)
    {
        var sender = new ThrowingSender(failure switch
        {
            "refused" => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)),
            "unresolvable" => new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known"),
            "tls" => new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established"),
            "timeout" => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 30 seconds elapsing.", new TimeoutException("The operation was canceled.")),
            "reset" => new HttpRequestException(HttpRequestError.Unknown, "An error occurred while sending the request.", new IOException("Connection reset by peer", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset))),
            _ => new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
        });
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddSingleton<IChannelSender>(sender));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await DeliverAsync(desk, outboxId);

        var row = await LoadAsync(desk, outboxId);
        var retries = desk.Scheduler.Drain();
        if (expected == DeliveryOutcome.Transient)
        {
            Assert.Equal(OutboxState.Pending, row.State);
            Assert.Single(retries);
        }
        else
        {
            Assert.Equal(OutboxState.Unconfirmed, row.State);
            Assert.Equal(DeliveryState.Unconfirmed, row.Message.DeliveryState);
            Assert.Empty(retries);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_jobs_for_the_same_row_send_it_once(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => DeliverAsync(desk, outboxId))));

        Assert.Single(sms.Sent);
        Assert.Equal(OutboxState.Sent, (await LoadAsync(desk, outboxId)).State);
    }

    [Fact]
    public async Task Transient_failures_retry_with_growing_delays_then_give_up()
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddSingleton<IChannelSender>(sms), new Dictionary<string, string?>
        {
            ["Outbox:MaxAttempts"] = "3",
            ["Outbox:FirstRetryDelay"] = "00:00:10",
        });
        sms.Script(DeliveryResult.Transient("503"), DeliveryResult.Transient("429", retryAfter: TimeSpan.FromSeconds(42)), DeliveryResult.Transient("503"));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await DeliverAsync(desk, outboxId);
        var (_, firstRetry) = Assert.Single(desk.Scheduler.Drain());
        Assert.Equal(desk.Time.Now.AddSeconds(10), firstRetry);

        // Not due yet: a job that fires early does nothing.
        await DeliverAsync(desk, outboxId);
        Assert.Single(sms.Sent);

        desk.Time.Set(firstRetry!.Value);
        await DeliverAsync(desk, outboxId);
        var (_, secondRetry) = Assert.Single(desk.Scheduler.Drain());
        Assert.Equal(desk.Time.Now.AddSeconds(42), secondRetry); // Retry-After wins over the backoff

        desk.Time.Set(secondRetry!.Value);
        await DeliverAsync(desk, outboxId);
        Assert.Empty(desk.Scheduler.Drain());
        Assert.Equal(3, sms.Sent.Count);
        var row = await LoadAsync(desk, outboxId);
        Assert.Equal(OutboxState.Failed, row.State);
        Assert.Equal(DeliveryState.Failed, row.Message.DeliveryState);
        Assert.Equal("503", row.LastError);
    }

    [Fact]
    public async Task A_dead_address_is_marked_unreachable_and_recorded_on_the_ticket()
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddSingleton<IChannelSender>(sms));
        sms.Script(DeliveryResult.Permanent("21211 invalid number", recipientUnreachable: true));
        var intake = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        await DeliverAsync(desk, outboxId);

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.True((await db.ContactIdentities.SingleAsync()).Unreachable);
            var kinds = await db.TicketEvents.Where(e => e.TicketId == intake.TicketId).Select(e => e.Kind).ToListAsync();
            Assert.Contains(TicketEventKind.DeliveryFailed, kinds);
            Assert.Contains(TicketEventKind.ContactUnreachable, kinds);
        });

        // With no reachable channel left, the next notification is recorded, not queued.
        await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(intake.TicketId, new TicketChanges(Status: TicketStatus.Open), "agent", CancellationToken.None));
        Assert.Empty(desk.Scheduler.Drain());
    }

    [Fact]
    public async Task Nothing_is_sent_by_sms_to_a_contact_who_opted_out()
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddSingleton<IChannelSender>(sms));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());
        await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Contacts.ExecuteUpdateAsync(s => s.SetProperty(c => c.SmsOptedOut, true)));

        await DeliverAsync(desk, outboxId);

        Assert.Empty(sms.Sent);
        Assert.Equal(OutboxState.Failed, (await LoadAsync(desk, outboxId)).State);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Recovery_re_enqueues_every_undelivered_row(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        for (var i = 0; i < 3; i++)
        {
            await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms($"SM{i}", $"+3460011122{i}", "hola"));
        }

        var pending = desk.Scheduler.Drain().Select(s => s.OutboxId).ToList();

        // The job system forgot them (a restart with in-memory storage); recovery hands them over again.
        var count = await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxRecovery>().RequeueAsync(CancellationToken.None));

        Assert.Equal(3, count);
        Assert.Equal(pending.Order(), desk.Scheduler.Drain().Select(s => s.OutboxId).Order());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Shutdown_between_claim_and_send_releases_the_row_for_the_next_start(DatabaseProvider provider)
    {
        var sms = new RecordingChannelSender(Channel.Sms);
        using var shutdown = new CancellationTokenSource();
        var cancelAfterClaim = new CancelAfterOutboxUpdate(shutdown);
        await using var desk = await TestDesk.CreateAsync(provider, s =>
        {
            s.AddSingleton<IChannelSender>(sms);
            s.AddDeskInterceptor(cancelAfterClaim);
        });
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        cancelAfterClaim.Armed = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, shutdown.Token)));

        Assert.True(shutdown.IsCancellationRequested);
        Assert.Empty(sms.Sent);
        var released = await LoadAsync(desk, outboxId);
        Assert.Equal((OutboxState.Pending, 0, null), (released.State, released.Attempts, released.ClaimedAt));

        // Next start: due at once, no claim timeout to wait out, sent once.
        await DeliverAsync(desk, outboxId);
        Assert.Single(sms.Sent);
        Assert.Equal(OutboxState.Sent, (await LoadAsync(desk, outboxId)).State);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Shutdown_while_the_channel_is_sending_marks_the_row_unconfirmed_at_once(DatabaseProvider provider)
    {
        var sms = new HangingSender(Channel.Sms);
        using var shutdown = new CancellationTokenSource();
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(sms));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "hola"));
        var (outboxId, _) = Assert.Single(desk.Scheduler.Drain());

        var delivery = desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, shutdown.Token));
        await sms.Started.WaitAsync(TimeSpan.FromSeconds(30));
        await shutdown.CancelAsync();
        await delivery.WaitAsync(TimeSpan.FromSeconds(30));

        // The request may have reached the provider: not sent again, but not left claimed either.
        var row = await LoadAsync(desk, outboxId);
        Assert.Equal(OutboxState.Unconfirmed, row.State);
        Assert.Equal(DeliveryState.Unconfirmed, row.Message.DeliveryState);
        await DeliverAsync(desk, outboxId);
        Assert.Equal(1, sms.Calls);
    }

    /// <summary>
    /// A bot's answer of three messages whose first the channel failed inline with a retryable error: the others were never
    /// tried, so they wait in line behind it with no attempt and no error of their own, then go out after it, in order, each
    /// recording only what happened to it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Replies_waiting_behind_one_that_failed_inline_record_only_their_own_attempts(DatabaseProvider provider)
    {
        var teams = new RecordingChannelSender(Channel.Teams);
        await using var desk = await TestDesk.CreateAsync(provider, s => s.AddSingleton<IChannelSender>(teams));
        var answer = await AnswerAsync(desk, replies: 3);

        await desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().TakeOverFailedSendsAsync(
            [.. answer.Select(id => new UnsentMessage(id, $"{{\"text\":\"reply {id}\"}}"))],
            DeliveryResult.Transient("503 ServiceUnavailable", retryAfter: TimeSpan.FromSeconds(30)),
            CancellationToken.None));

        var rows = await RowsAsync(desk, answer);
        Assert.Equal((OutboxState.Pending, 1, "503 ServiceUnavailable"), (rows[0].State, rows[0].Attempts, rows[0].LastError));
        Assert.All(rows.Skip(1), o => Assert.Equal((OutboxState.Pending, 0, null), (o.State, o.Attempts, o.LastError)));
        Assert.All(rows.Skip(1), o => Assert.Equal(rows[0].NextAttemptAt, o.NextAttemptAt));
        Assert.All(rows, o => Assert.Equal((DeliveryState.Queued, null), (o.Message.DeliveryState, o.Message.DeliveryError)));

        // The first's retry fails again, then it goes out; the second's own first attempt fails: the third has still tried nothing.
        teams.Script(DeliveryResult.Transient("429 TooManyRequests"), DeliveryResult.Sent("first"), DeliveryResult.Transient("502 BadGateway"));
        await RunJobsAsync(desk, until: () => teams.Sent.Count == 3);
        rows = await RowsAsync(desk, answer);
        Assert.Equal((OutboxState.Sent, 3), (rows[0].State, rows[0].Attempts));
        Assert.Equal((OutboxState.Pending, 1, "502 BadGateway"), (rows[1].State, rows[1].Attempts, rows[1].LastError));
        Assert.Equal((OutboxState.Pending, 0, null), (rows[2].State, rows[2].Attempts, rows[2].LastError));

        await RunJobsAsync(desk, until: () => false);
        Assert.Equal([answer[0], answer[0], answer[1], answer[1], answer[2]], teams.Sent.Select(m => m.MessageId));
        rows = await RowsAsync(desk, answer);
        Assert.Equal([(OutboxState.Sent, 3), (OutboxState.Sent, 2), (OutboxState.Sent, 1)], rows.Select(o => (o.State, o.Attempts)));
        Assert.All(rows, o => Assert.Equal(DeliveryState.Sent, o.Message.DeliveryState));
    }

    /// <summary>A conversation and a bot's answer in it of several messages, stored as sent (as a channel stores them before sending them inline).</summary>
    private static Task<List<long>> AnswerAsync(TestDesk desk, int replies) => desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        var now = desk.Time.GetUtcNow();
        var contact = new Contact { DisplayName = "Ana", Language = "es", CreatedAt = now, Identities = [new ContactIdentity { Channel = Channel.Teams, Address = "29:ana" }] };
        var conversation = new Conversation { Channel = Channel.Teams, ExternalKey = "a:ana", Contact = contact, CreatedAt = now, LastActivityAt = now };
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync();
        var messages = Enumerable.Range(1, replies).Select(i => new Message
        {
            Channel = Channel.Teams,
            Direction = MessageDirection.Outbound,
            Kind = MessageKind.BotReply,
            Body = $"Reply {i}",
            Author = "Desk",
            Recipient = "29:ana",
            ConversationId = conversation.Id,
            DeliveryState = DeliveryState.Sent,
            CreatedAt = now,
        }).ToList();
        foreach (var message in messages)
        {
            // One at a time: the answer's order is its messages' keys.
            db.Messages.Add(message);
            await db.SaveChangesAsync();
        }

        return messages.Select(m => m.Id).ToList();
    });

    private static Task<List<OutboxMessage>> RowsAsync(TestDesk desk, List<long> messageIds) => desk.InScopeAsync(sp =>
        sp.GetRequiredService<ServiceDeskDbContext>().Outbox.AsNoTracking().Include(o => o.Message)
            .Where(o => messageIds.Contains(o.MessageId)).OrderBy(o => o.MessageId).ToListAsync());

    /// <summary>Runs the scheduled delivery jobs, each at its time, as the job system would, until none is left or <paramref name="until"/> holds.</summary>
    private static async Task RunJobsAsync(TestDesk desk, Func<bool> until)
    {
        for (var round = 0; round < 20; round++)
        {
            var jobs = desk.Scheduler.Drain();
            if (jobs.Count == 0)
            {
                return;
            }

            foreach (var (id, notBefore) in jobs.OrderBy(j => j.NotBefore ?? DateTimeOffset.MinValue))
            {
                if (notBefore > desk.Time.Now)
                {
                    desk.Time.Set(notBefore.Value);
                }

                await DeliverAsync(desk, id);
                if (until())
                {
                    return;
                }
            }
        }

        Assert.Fail("The delivery jobs kept scheduling one another.");
    }

    private static Task DeliverAsync(TestDesk desk, long outboxId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, CancellationToken.None));

    private static Task<OutboxMessage> LoadAsync(TestDesk desk, long outboxId) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.AsNoTracking().Include(o => o.Message).SingleAsync(o => o.Id == outboxId));

    /// <summary>A channel that lets a transport failure escape, as a sender with a gap in its own handling would.</summary>
    private sealed class ThrowingSender(Exception failure) : IChannelSender
    {
        public Channel Channel => Channel.Sms;

        public Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) => Task.FromException<DeliveryResult>(failure);
    }

    /// <summary>Cancels the job's token right after its first UPDATE of the outbox (the claim) ran, as a shutdown would.</summary>
    private sealed class CancelAfterOutboxUpdate(CancellationTokenSource shutdown) : DbCommandInterceptor
    {
        public bool Armed { get; set; }

        public override async ValueTask<int> NonQueryExecutedAsync(System.Data.Common.DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains("UPDATE", StringComparison.OrdinalIgnoreCase) && command.CommandText.Contains("Outbox", StringComparison.Ordinal))
            {
                Armed = false;
                await shutdown.CancelAsync();
            }

            return result;
        }
    }

    /// <summary>A channel whose provider never answers: the call ends only when the job is cancelled.</summary>
    private sealed class HangingSender(Channel channel) : IChannelSender
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public Channel Channel { get; } = channel;

        public Task Started => _started.Task;

        public int Calls => _calls;

        public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return DeliveryResult.Sent("never");
        }
    }

    private sealed class SimulatedCrashException() : Exception("simulated crash");

    /// <summary>Fails the save that would record a sent message, as if the process died right after sending.</summary>
    private sealed class CrashOnOutboxWrite : SaveChangesInterceptor
    {
        public bool Armed { get; set; }

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (Armed && eventData.Context!.ChangeTracker.Entries<OutboxMessage>().Any(e => e.Entity.State == OutboxState.Sent))
            {
                throw new SimulatedCrashException();
            }

            return base.SavingChangesAsync(eventData, result, cancellationToken);
        }
    }
}
