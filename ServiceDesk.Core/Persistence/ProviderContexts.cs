using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ServiceDesk.Core.Persistence;

/// <summary>SQLite: the embedded default.</summary>
public sealed class SqliteServiceDeskDbContext(DbContextOptions<SqliteServiceDeskDbContext> options) : ServiceDeskDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite cannot compare or order DateTimeOffset text; as UTC ticks it can. All instants are UTC.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<TimeSpan>().HaveConversion<TimeSpanToTicksConverter>();
        configurationBuilder.Properties<TimeSpan?>().HaveConversion<TimeSpanToTicksConverter>();
    }

    protected override string UniqueWhenNotNullFilter(string column) => $"\"{column}\" IS NOT NULL";
}

/// <summary>PostgreSQL, through Npgsql.</summary>
public sealed class PostgreSqlServiceDeskDbContext(DbContextOptions<PostgreSqlServiceDeskDbContext> options) : ServiceDeskDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // Keys drawn inside a query that runs anyway instead of a round trip of their own (PostgresKeys).
        modelBuilder.HasDbFunction(typeof(PostgresKeys).GetMethod(nameof(PostgresKeys.NextValue))!).HasName("nextval").IsBuiltIn();
    }

    protected override string UniqueWhenNotNullFilter(string column) => $"\"{column}\" IS NOT NULL";
}

/// <summary>SQL Server and Azure SQL: the production provider.</summary>
public sealed class SqlServerServiceDeskDbContext(DbContextOptions<SqlServerServiceDeskDbContext> options) : ServiceDeskDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;

    protected override string UniqueWhenNotNullFilter(string column) => $"[{column}] IS NOT NULL";
}

// Design-time factories: `dotnet ef migrations add` builds each provider's model without a running host.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteServiceDeskDbContext>
{
    public SqliteServiceDeskDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteServiceDeskDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlServiceDeskDbContext>
{
    public PostgreSqlServiceDeskDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlServiceDeskDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerServiceDeskDbContext>
{
    public SqlServerServiceDeskDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerServiceDeskDbContext>().UseSqlServer("Server=localhost;Database=design").Options);
}
