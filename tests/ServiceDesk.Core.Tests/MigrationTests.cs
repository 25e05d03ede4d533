using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

public class MigrationTests
{
    public static TheoryData<DatabaseProvider> AllProviders => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer];

    [Theory]
    [MemberData(nameof(AllProviders))]
    public void Checked_in_migrations_match_the_model(DatabaseProvider provider)
    {
        using var db = DesignTimeContext(provider);

        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} migrations are behind the model: add a migration.");
    }

    [Fact]
    public void The_sql_server_migrations_generate_an_idempotent_script()
    {
        // No SQL Server runs here: the script is the check that its migrations build and translate.
        using var db = DesignTimeContext(DatabaseProvider.SqlServer);

        var script = db.GetInfrastructure().GetRequiredService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [Tickets]", script);
        Assert.Contains("CREATE UNIQUE INDEX [IX_Messages_Channel_ExternalId] ON [Messages] ([Channel], [ExternalId]) WHERE [ExternalId] IS NOT NULL", script);
        Assert.Contains("IF NOT EXISTS", script);
    }

    [Fact]
    public async Task The_postgresql_migrations_apply_to_a_real_server()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.True(await db.Services.AnyAsync(s => s.Code == "general"));
        });
    }

    [Fact]
    public async Task Sqlite_table_rebuilds_are_logged_at_debug_not_as_warnings()
    {
        var log = new CapturingLoggerProvider();
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(log)));

        var rebuilds = log.Entries.Where(e => e.EventId == RelationalEventId.NonTransactionalMigrationOperationWarning.Id).ToList();

        Assert.NotEmpty(rebuilds); // the migrations do rebuild tables: the setting is what keeps them quiet
        Assert.All(rebuilds, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }

    private static ServiceDeskDbContext DesignTimeContext(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDesignTimeFactory().CreateDbContext([]),
        DatabaseProvider.PostgreSql => new PostgreSqlDesignTimeFactory().CreateDbContext([]),
        _ => new SqlServerDesignTimeFactory().CreateDbContext([]),
    };

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(int EventId, LogLevel Level)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<(int EventId, LogLevel Level)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((eventId.Id, logLevel));
        }
    }
}
