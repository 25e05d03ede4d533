using System.Data.Common;
using Npgsql;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Npgsql settings the desk applies to a PostgreSQL connection string that does not set them itself
/// (an operator's own value always wins).
/// </summary>
public static class PostgresConnectionDefaults
{
    /// <summary>
    /// Statements each physical connection keeps prepared on the server. The desk sends a few dozen distinct
    /// statements over and over (intake, chat turns, outbox, Hangfire's queue); without preparation the server
    /// parses and plans each of them on every execution, which cost more CPU than the desk itself.
    /// </summary>
    public const int MaxAutoPrepare = 128;

    /// <summary>Executions of a statement on a connection before it is prepared (Npgsql's default is 5).</summary>
    public const int AutoPrepareMinUsages = 2;

    /// <summary>
    /// <see cref="Apply"/> for the desk's own contexts, which also return their connections to the pool as they are.
    /// Npgsql otherwise resets a pooled connection's session before its next use: with prepared statements kept, seven
    /// statements (<c>CLOSE ALL</c>, <c>RESET ALL</c>, <c>UNLISTEN *</c>, <c>DISCARD TEMP</c>, …) ahead of each unit of work,
    /// as much server CPU as a small transaction. The desk's contexts leave no session state behind (no <c>SET</c>, temporary
    /// tables, <c>LISTEN</c> or session locks: those that need one, the start-up lock and the job queue's <c>LISTEN</c>,
    /// use connections of their own), so there is nothing to reset.
    /// </summary>
    public static string ApplyForDeskContexts(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(Apply(connectionString));
        if (!Sets(new DbConnectionStringBuilder { ConnectionString = connectionString }, "No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    public static string Apply(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets(given, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }

        if (!Sets(given, "Auto Prepare Min Usages"))
        {
            builder.AutoPrepareMinUsages = AutoPrepareMinUsages;
        }

        return builder.ConnectionString;
    }

    /// <summary>Npgsql accepts a keyword with or without its spaces, in any case.</summary>
    private static bool Sets(DbConnectionStringBuilder given, string keyword) =>
        given.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));
}
