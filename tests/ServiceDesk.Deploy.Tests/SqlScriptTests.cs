using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Deploy.Tests;

/// <summary>deploy/sql/servicedesk.sql: the SQL Server schema script a DBA applies when the desk does not migrate itself.</summary>
public class SqlScriptTests
{
    [Fact]
    public void The_checked_in_script_is_what_the_sql_server_migrations_generate()
    {
        var options = new DbContextOptionsBuilder<SqlServerServiceDeskDbContext>().UseSqlServer("Server=localhost;Database=design").Options;
        using var db = new SqlServerServiceDeskDbContext(options);

        // The same call `dotnet ef migrations script --idempotent` makes (deploy/sql/generate.sh).
        var generated = db.GetInfrastructure().GetRequiredService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        var checkedIn = Repository.Read("deploy", "sql", "servicedesk.sql");

        Assert.True(
            Normalize(generated) == Normalize(checkedIn),
            "deploy/sql/servicedesk.sql is out of date with the SQL Server migrations: regenerate it with deploy/sql/generate.sh");
        foreach (var migration in db.Database.GetMigrations())
        {
            Assert.Contains($"N'{migration}'", checkedIn);
        }
    }

    // dotnet ef writes a byte order mark; line endings depend on the machine that wrote the file.
    private static string Normalize(string script) => script.TrimStart('\uFEFF').ReplaceLineEndings("\n").Trim();
}
