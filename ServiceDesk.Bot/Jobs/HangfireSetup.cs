using Hangfire;
using Hangfire.PostgreSql;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Jobs;

public static class HangfireSetup
{
    public const string OutboxQueue = "outbox";

    /// <summary>Job storage follows the database: in-memory with SQLite (the outbox makes that safe), else the same server.</summary>
    public static IServiceCollection AddServiceDeskJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = DatabaseOptions.ReadProvider(configuration);
        var connectionString = configuration.GetConnectionString("ServiceDesk");
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            switch (provider)
            {
                case DatabaseProvider.PostgreSql:
                    config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions { SchemaName = "hangfire" });
                    break;
                case DatabaseProvider.SqlServer:
                    config.UseSqlServerStorage(connectionString);
                    break;
                default:
                    config.UseInMemoryStorage();
                    break;
            }
        });
        services.AddHangfireServer(o =>
        {
            o.Queues = [OutboxQueue, "default"];
            o.WorkerCount = Math.Max(4, Environment.ProcessorCount * 4);
        });
        services.AddSingleton<IOutboxScheduler, HangfireOutboxScheduler>();
        return services;
    }

    /// <summary>Periodic work; with several instances Hangfire runs each occurrence once.</summary>
    public static void ScheduleRecurringJobs(IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<MaintenanceJobs>("outbox-sweep", j => j.RequeueOutboxAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<MaintenanceJobs>("sla-breaches", j => j.FlagSlaBreachesAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<MaintenanceJobs>("auto-close", j => j.AutoCloseResolvedAsync(CancellationToken.None), Cron.Hourly());
    }
}
