using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
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

    private static ServiceDeskDbContext DesignTimeContext(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDesignTimeFactory().CreateDbContext([]),
        DatabaseProvider.PostgreSql => new PostgreSqlDesignTimeFactory().CreateDbContext([]),
        _ => new SqlServerDesignTimeFactory().CreateDbContext([]),
    };
}
