using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Core.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
    SqlServer,
}

/// <summary><c>Database:*</c>: which engine holds the desk's data.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    [EnumDataType(typeof(DatabaseProvider), ErrorMessage = "Database:Provider must be one of Sqlite, PostgreSql, SqlServer.")]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start-up.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// SQLite only: the write-ahead log file's size, in megabytes, above which the background checkpoint truncates it.
    /// It stays far below when nothing holds a snapshot open for long; the limit gives the disk space back when something did.
    /// </summary>
    [Range(1, 65_536, ErrorMessage = "Database:SqliteWalLimitMb must be between 1 and 65536.")]
    public int SqliteWalLimitMb { get; set; } = 64;

    /// <summary>
    /// <c>Database:Provider</c>, read while services are registered (the provider decides which are). The
    /// configuration binder would fail on an unknown name with a conversion stack trace; this names the key.
    /// </summary>
    /// <exception cref="OptionsValidationException">The value is not one of the providers.</exception>
    public static DatabaseProvider ReadProvider(IConfiguration configuration)
    {
        var value = configuration[$"{SectionName}:{nameof(Provider)}"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        // Names only: a number would select whichever provider has that position.
        if (!int.TryParse(value, out _) && Enum.TryParse<DatabaseProvider>(value.Trim(), ignoreCase: true, out var provider) && Enum.IsDefined(provider))
        {
            return provider;
        }

        throw new OptionsValidationException(
            SectionName,
            typeof(DatabaseOptions),
            [$"Database:Provider '{value}' is not one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}."]);
    }
}
