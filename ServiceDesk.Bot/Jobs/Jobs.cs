using Hangfire;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Jobs;

/// <summary>Hands outbox rows to Hangfire: one job per row, delayed for a retry.</summary>
public sealed class HangfireOutboxScheduler(IBackgroundJobClient jobs, TimeProvider time) : IOutboxScheduler
{
    public void Schedule(long outboxId, DateTimeOffset? notBefore = null)
    {
        if (notBefore is { } at && at > time.GetUtcNow())
        {
            jobs.Schedule<OutboxDeliveryJob>(j => j.RunAsync(outboxId, CancellationToken.None), at);
        }
        else
        {
            jobs.Enqueue<OutboxDeliveryJob>(j => j.RunAsync(outboxId, CancellationToken.None));
        }
    }
}

/// <summary>The Hangfire job that delivers one outbox row. Hangfire passes its shutdown token for the token argument.</summary>
public sealed class OutboxDeliveryJob(OutboxDispatcher dispatcher)
{
    // Channel failures are retried by the dispatcher with its own backoff; Hangfire's retries cover the database being away.
    [Queue(HangfireSetup.OutboxQueue)]
    [AutomaticRetry(Attempts = 5)]
    public Task RunAsync(long outboxId, CancellationToken cancellationToken) => dispatcher.DeliverAsync(outboxId, cancellationToken);
}

public sealed class MaintenanceJobs(OutboxRecovery outbox, TicketMaintenance tickets)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RequeueOutboxAsync(CancellationToken cancellationToken) => outbox.RequeueAsync(cancellationToken);

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task AutoCloseResolvedAsync(CancellationToken cancellationToken) => tickets.AutoCloseResolvedAsync(cancellationToken);
}
