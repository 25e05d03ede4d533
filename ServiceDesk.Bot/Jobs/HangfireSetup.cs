using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Jobs;

public static class HangfireSetup
{
    public const string OutboxQueue = "outbox";

    /// <summary>
    /// How long a succeeded (or deleted) job stays in the job storage: the outbox row is the desk's record of a
    /// delivery, the job only carried it out. Hangfire keeps them a day (the in-memory storage, with SQLite, for hours),
    /// and one held in memory costs about 1.2 KB: at a thousand deliveries a second that is gigabytes, against a minute's 70 MB.
    /// </summary>
    public static readonly TimeSpan SucceededJobRetention = TimeSpan.FromMinutes(1);

    /// <summary>Job storage follows the database: in-memory with SQLite (the outbox makes that safe), else the same server.</summary>
    public static IServiceCollection AddServiceDeskJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = DatabaseOptions.ReadProvider(configuration);
        var connectionString = configuration.GetConnectionString("ServiceDesk");
        DeskJobFilters.TrimDefaults(GlobalJobFilters.Filters);
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            switch (provider)
            {
                case DatabaseProvider.PostgreSql:
                    // The desk's preparation settings: Hangfire's queue statements are prepared too. Its connections are reset
                    // when pooled (its LISTEN must not outlive them), so they are a pool apart from the desk's contexts'.
                    config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(PostgresConnectionDefaults.Apply(connectionString!)), new PostgreSqlStorageOptions
                    {
                        SchemaName = "hangfire",

                        // A job enqueued by any instance wakes the others' workers at once (LISTEN/NOTIFY) instead of at
                        // their next poll of the queue, 15 s apart by default: an outbox delivery is not left waiting.
                        EnableLongPolling = true,

                        // Locks are rows here, not sessions: one left by a killed instance blocks the other instances'
                        // maintenance jobs until it times out (10 minutes by default). Those jobs take seconds.
                        DistributedLockTimeout = TimeSpan.FromMinutes(1),

                        // A job fetched by an instance that died is handed to another after this (30 minutes by default);
                        // a live instance keeps extending it for its running jobs.
                        UseSlidingInvisibilityTimeout = true,
                        InvisibilityTimeout = TimeSpan.FromMinutes(5),
                    }).WithJobExpirationTimeout(SucceededJobRetention);
                    break;
                case DatabaseProvider.SqlServer:
                    config.UseSqlServerStorage(connectionString).WithJobExpirationTimeout(SucceededJobRetention);
                    break;
                default:
                    config.UseInMemoryStorage().WithJobExpirationTimeout(SucceededJobRetention);
                    break;
            }
        });
        var sweep = configuration.GetSection(OutboxOptions.SectionName).Get<OutboxOptions>()?.SweepInterval ?? TimeSpan.FromMinutes(1);
        services.AddHangfireServer(o =>
        {
            o.Queues = [OutboxQueue, "default"];
            o.WorkerCount = Math.Max(4, Environment.ProcessorCount * 4);

            // Recurring and delayed jobs are looked at this often (15 s by default): a sweep more frequent than that needs it.
            o.SchedulePollingInterval = sweep < o.SchedulePollingInterval ? sweep : o.SchedulePollingInterval;
        });
        services.AddSingleton<IOutboxScheduler, HangfireOutboxScheduler>();
        return services;
    }

    /// <summary>Periodic work; with several instances Hangfire runs each occurrence once.</summary>
    public static void ScheduleRecurringJobs(IServiceProvider services)
    {
        var jobs = services.GetRequiredService<IRecurringJobManager>();
        var sweep = services.GetRequiredService<IOptions<OutboxOptions>>().Value.SweepInterval;
        jobs.AddOrUpdate<MaintenanceJobs>("outbox-sweep", j => j.RequeueOutboxAsync(CancellationToken.None), CronEvery(sweep));
        jobs.AddOrUpdate<SlaWatchJob>("sla-breaches", j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<MaintenanceJobs>("auto-close", j => j.AutoCloseResolvedAsync(CancellationToken.None), Cron.Hourly());
        jobs.AddOrUpdate<PendingFollowUpJob>("pending-follow-up", j => j.RunAsync(CancellationToken.None), PendingFollowUpJob.Schedule);
    }

    /// <summary>
    /// A cron schedule for a regular interval (validated by <see cref="OutboxOptions"/>): Hangfire 1.8 accepts
    /// six-part expressions whose first field is the second.
    /// </summary>
    public static string CronEvery(TimeSpan interval)
    {
        static string Every(int n) => n == 1 ? "*" : "*/" + n.ToString(CultureInfo.InvariantCulture);
        return interval < TimeSpan.FromMinutes(1)
            ? $"{Every(interval.Seconds)} * * * * *"
            : interval >= TimeSpan.FromHours(1) ? Cron.Hourly() : $"{Every((int)interval.TotalMinutes)} * * * *";
    }
}
