using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Agents;

/// <summary>
/// Agent accounts (ASP.NET Core Identity) in the desk's own database. A context of its own, in the host,
/// keeps ASP.NET types out of ServiceDesk.Core; it has its own migrations per provider and its own
/// history table, so both sets of migrations live side by side in one database. It also keeps the
/// ASP.NET Core Data Protection keys that sign the agents' cookies, so every app instance shares them.
/// </summary>
public abstract class AgentIdentityDbContext(DbContextOptions options) : IdentityDbContext<AgentUser>(options), IDataProtectionKeyContext
{
    public const string MigrationsHistoryTable = "__AgentMigrationsHistory";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public abstract DatabaseProvider Provider { get; }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<AgentUser>().Property(u => u.DisplayName).HasMaxLength(200);

        // Prefixed names: the desk's tables and these share one schema.
        builder.Entity<AgentUser>().ToTable("AgentUsers");
        builder.Entity<IdentityRole>().ToTable("AgentRoles");
        builder.Entity<IdentityUserRole<string>>().ToTable("AgentUserRoles");
        builder.Entity<IdentityUserClaim<string>>().ToTable("AgentUserClaims");
        builder.Entity<IdentityUserLogin<string>>().ToTable("AgentUserLogins");
        builder.Entity<IdentityUserToken<string>>().ToTable("AgentUserTokens");
        builder.Entity<IdentityRoleClaim<string>>().ToTable("AgentRoleClaims");
    }
}

public sealed class SqliteAgentIdentityDbContext(DbContextOptions<SqliteAgentIdentityDbContext> options) : AgentIdentityDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
}

public sealed class PostgreSqlAgentIdentityDbContext(DbContextOptions<PostgreSqlAgentIdentityDbContext> options) : AgentIdentityDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;
}

public sealed class SqlServerAgentIdentityDbContext(DbContextOptions<SqlServerAgentIdentityDbContext> options) : AgentIdentityDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.SqlServer;
}

// Design-time factories: `dotnet ef migrations add` builds each provider's model without a running host.
internal sealed class SqliteAgentDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAgentIdentityDbContext>
{
    public SqliteAgentIdentityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAgentIdentityDbContext>().UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable(AgentIdentityDbContext.MigrationsHistoryTable)).Options);
}

internal sealed class PostgreSqlAgentDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlAgentIdentityDbContext>
{
    public PostgreSqlAgentIdentityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlAgentIdentityDbContext>().UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(AgentIdentityDbContext.MigrationsHistoryTable)).Options);
}

internal sealed class SqlServerAgentDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerAgentIdentityDbContext>
{
    public SqlServerAgentIdentityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerAgentIdentityDbContext>().UseSqlServer("Server=localhost;Database=design", o => o.MigrationsHistoryTable(AgentIdentityDbContext.MigrationsHistoryTable)).Options);
}
