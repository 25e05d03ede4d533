using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Bot.Jobs;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>The Hangfire job an outbox row becomes, and how long a succeeded one stays in the job storage.</summary>
[Collection(HostCollection.Name)]
public class OutboxJobTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Fact]
    public void A_due_row_is_enqueued_on_the_outbox_queue_as_a_delivery_of_that_row()
    {
        var (scheduler, jobs) = Scheduler();

        scheduler.Schedule(42);
        scheduler.Schedule(43, TestDesk.DefaultStart); // due now: not delayed

        Assert.Collection(
            jobs.Created,
            created => AssertDelivery(42, created.Job),
            created => AssertDelivery(43, created.Job));
        Assert.All(jobs.Created, created => Assert.Equal(HangfireSetup.OutboxQueue, Assert.IsType<EnqueuedState>(created.State).Queue));
    }

    [Fact]
    public void A_retry_is_scheduled_for_its_time_and_then_goes_to_the_outbox_queue()
    {
        var (scheduler, jobs) = Scheduler();
        var retryAt = TestDesk.DefaultStart.AddMinutes(2);

        scheduler.Schedule(42, retryAt);

        var created = Assert.Single(jobs.Created);
        AssertDelivery(42, created.Job);
        Assert.Equal(retryAt.UtcDateTime, Assert.IsType<ScheduledState>(created.State).EnqueueAt);

        // Once due, Hangfire enqueues it on the default queue; the method's attribute moves it to the outbox queue.
        Assert.Equal(HangfireSetup.OutboxQueue, Assert.Single(created.Job.Method.GetCustomAttributes(typeof(QueueAttribute), false).Cast<QueueAttribute>()).Queue);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_succeeded_delivery_job_expires_after_the_retention_not_a_day(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.Services.GetRequiredService<IBackgroundJobClient>();
        var storage = factory.Services.GetRequiredService<JobStorage>();

        // Created straight in the succeeded state: the state machine sets the expiration as after a run, without a worker.
        var before = DateTime.UtcNow;
        var id = client.Create(Job.FromExpression<OutboxDeliveryJob>(j => j.RunAsync(long.MaxValue, CancellationToken.None)), new SucceededState(null, 0, 0));
        var after = DateTime.UtcNow;

        var expireAt = storage.GetMonitoringApi().JobDetails(id).ExpireAt;
        Assert.NotNull(expireAt);
        var slack = TimeSpan.FromSeconds(5); // storages round their clocks
        Assert.InRange(expireAt.Value, before + HangfireSetup.SucceededJobRetention - slack, after + HangfireSetup.SucceededJobRetention + slack);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_failed_delivery_job_is_retried_five_times_then_left_failed(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.Services.GetRequiredService<IBackgroundJobClient>();
        var storage = factory.Services.GetRequiredService<JobStorage>();

        // Scheduled an hour ahead, so that no worker runs it meanwhile; each failure goes through the state machine's election.
        var id = client.Create(Job.FromExpression<OutboxDeliveryJob>(j => j.RunAsync(long.MaxValue, CancellationToken.None)), new ScheduledState(TimeSpan.FromHours(1)));
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            client.ChangeState(id, new FailedState(new TimeoutException("the database is away")), ScheduledState.StateName);
            Assert.Equal(ScheduledState.StateName, storage.GetMonitoringApi().JobDetails(id).History[0].StateName);
        }

        client.ChangeState(id, new FailedState(new TimeoutException("the database is away")), ScheduledState.StateName);

        Assert.Equal(FailedState.StateName, storage.GetMonitoringApi().JobDetails(id).History[0].StateName);
        using var connection = storage.GetConnection();
        Assert.Equal("5", connection.GetJobParameter(id, "RetryCount"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_delivery_job_stores_no_culture_and_counts_no_history(DatabaseProvider provider)
    {
        await using var factory = await DeskFactory.CreateAsync(provider);
        var client = factory.Services.GetRequiredService<IBackgroundJobClient>();
        var storage = factory.Services.GetRequiredService<JobStorage>();

        var id = client.Create(Job.FromExpression<OutboxDeliveryJob>(j => j.RunAsync(long.MaxValue, CancellationToken.None)), new ScheduledState(TimeSpan.FromHours(1)));
        client.ChangeState(id, new SucceededState(null, 0, 0), ScheduledState.StateName);

        using var connection = storage.GetConnection();
        Assert.Null(connection.GetJobParameter(id, "CurrentCulture"));
        Assert.Null(connection.GetJobParameter(id, "CurrentUICulture"));
        var monitoring = storage.GetMonitoringApi();
        Assert.Equal(SucceededState.StateName, monitoring.JobDetails(id).History[0].StateName);
        Assert.All(monitoring.SucceededByDatesCount().Values, count => Assert.Equal(0, count));
        Assert.All(monitoring.HourlySucceededJobs().Values, count => Assert.Equal(0, count));
    }

    private static void AssertDelivery(long outboxId, Job job)
    {
        Assert.Equal(typeof(OutboxDeliveryJob), job.Type);
        Assert.Equal(nameof(OutboxDeliveryJob.RunAsync), job.Method.Name);
        Assert.Equal([outboxId, CancellationToken.None], job.Args);
    }

    private static (HangfireOutboxScheduler Scheduler, RecordingJobClient Jobs) Scheduler()
    {
        var jobs = new RecordingJobClient();
        return (new HangfireOutboxScheduler(jobs, new ManualTimeProvider(TestDesk.DefaultStart)), jobs);
    }

    private sealed class RecordingJobClient : IBackgroundJobClient
    {
        public List<(Job Job, IState State)> Created { get; } = [];

        public string Create(Job job, IState state)
        {
            Created.Add((job, state));
            return Created.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => throw new NotSupportedException();
    }
}
