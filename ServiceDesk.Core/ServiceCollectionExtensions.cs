using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Problems;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the desk's core: options, the database for <c>Database:Provider</c>, intake, tickets and the outbox.
    /// The host provides an <see cref="IOutboxScheduler"/> and the channels their <see cref="IChannelSender"/>s.
    /// </summary>
    /// <param name="defaultSqliteFile">Where the embedded database lives when no connection string is configured.</param>
    public static IServiceCollection AddServiceDeskCore(this IServiceCollection services, IConfiguration configuration, string defaultSqliteFile)
    {
        var provider = DatabaseOptions.ReadProvider(configuration);
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DeskOptions>().Bind(configuration.GetSection(DeskOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SlaOptions>().Bind(configuration.GetSection(SlaOptions.SectionName))
            .PostConfigure(o => o.BusinessHours.Days = [.. o.BusinessHours.WorkingDays])
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PendingFollowUpOptions>().Bind(configuration.GetSection(DeskOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        var connectionString = configuration.GetConnectionString("ServiceDesk");
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = string.IsNullOrWhiteSpace(connectionString) ? $"Data Source={defaultSqliteFile}" : connectionString;
                services.AddDbContextPool<ServiceDeskDbContext, SqliteServiceDeskDbContext>(o => o.UseSqlite(sqlite).AddInterceptors(SqlitePragmas.Instance, SqliteStatementCache.Instance).QuietSqliteTableRebuilds());
                services.AddSingleton(sp => new SqliteWriterConnection(
                    sp.GetRequiredService<DbContextOptions<SqliteServiceDeskDbContext>>(), sp.GetRequiredService<ILogger<SqliteWriterConnection>>()));
                services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, sqlite));
                break;
            case DatabaseProvider.PostgreSql:
                services.AddDbContextPool<ServiceDeskDbContext, PostgreSqlServiceDeskDbContext>(o => o.UseNpgsql(PostgresConnectionDefaults.ApplyForDeskContexts(Required(connectionString, provider))));
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContextPool<ServiceDeskDbContext, SqlServerServiceDeskDbContext>(o => o.UseSqlServer(Required(connectionString, provider)));
                break;
            default:
                throw new OptionsValidationException(DatabaseOptions.SectionName, typeof(DatabaseOptions), [$"Database:Provider '{provider}' is not one of Sqlite, PostgreSql, SqlServer."]);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton(sp => new TicketNumber(sp.GetRequiredService<IOptions<DeskOptions>>().Value.TicketPrefix));
        services.AddSingleton<SlaClock>();
        services.AddScoped<WriteTransaction>();
        services.AddSingleton<ConfiguredChannels>();
        services.AddScoped<Notifier>();
        services.AddScoped<IntakeService>();
        services.AddScoped<TicketService>();
        services.AddScoped<TicketMaintenance>();
        services.AddSlaWatch();
        services.AddScoped<PendingFollowUp>();
        services.AddScoped<OutboxDispatcher>();
        services.AddScoped<OutboxRecovery>();
        services.AddSingleton<KnowledgeIndexCache>();
        services.AddScoped<KnowledgeSearch>();
        services.AddScoped<KnowledgeEditor>();
        services.AddScoped<SatisfactionSurvey>();
        services.AddScoped<HandoffService>();
        services.AddScoped<TicketMerger>();
        services.AddScoped<ProblemService>();

        // Seams the host may fill: live views and channel typing indicators (nothing happens by default).
        services.TryAddSingleton<IDeskEvents, NoDeskEvents>();
        services.TryAddSingleton<ITypingRelay, NoTypingRelay>();

        services.AddScoped<MessageRevisions>();
        services.AddScoped<ContactReachability>();
        services.AddScoped<Contacts.SmsConsent>();
        services.AddScoped<Messages.DeliveryTracking>();
        services.AddScoped<SourceLeases>();
        services.AddScoped<AttachmentStore>();
        return services;
    }

    private static string Required(string? connectionString, DatabaseProvider provider) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new OptionsValidationException("ConnectionStrings", typeof(DatabaseOptions), [$"Database:Provider is {provider}: set ConnectionStrings:ServiceDesk."])
            : connectionString;
}
