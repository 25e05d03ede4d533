using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Jobs;

/// <summary>Hands outbox rows to Hangfire: one job per row, delayed for a retry.</summary>
public sealed class HangfireOutboxScheduler(IBackgroundJobClient jobs, TimeProvider time) : IOutboxScheduler
{
    // The job is built from the method found once, not from an expression tree taken apart per row: a quarter less
    // allocated per enqueue (bench, jobs lane). The queue is the method's own attribute, read once too.
    private static readonly MethodInfo Deliver = typeof(OutboxDeliveryJob).GetMethod(nameof(OutboxDeliveryJob.RunAsync))!;
    private static readonly string Queue = Deliver.GetCustomAttribute<QueueAttribute>()!.Queue;

    public void Schedule(long outboxId, DateTimeOffset? notBefore = null)
    {
        var job = new Job(typeof(OutboxDeliveryJob), Deliver, outboxId, CancellationToken.None);
        IState state = notBefore is { } at && at > time.GetUtcNow() ? new ScheduledState(at.UtcDateTime) : new EnqueuedState(Queue);
        jobs.Create(job, state);
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
