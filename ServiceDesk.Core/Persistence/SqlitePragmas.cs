using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Per-connection SQLite settings. WAL (set once, persistent) lets readers run beside the writer;
/// synchronous=NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>One instance for every context: a new instance per context would defeat EF's service provider cache.</summary>
    public static readonly SqlitePragmas Instance = new();

    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
