using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Per-connection SQLite settings. WAL (set once, persistent) lets readers run beside the writer;
/// synchronous=NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
/// wal_autocheckpoint=0: no commit copies the log into the database while it holds the write gate;
/// <see cref="SqliteCheckpointer"/> does that in the background.
/// </summary>
/// <remarks>
/// The settings belong to the native connection, which Microsoft.Data.Sqlite keeps open in its pool behind every
/// <c>Open</c>: each native connection gets them once, not on every open (every transaction opens one, and the two
/// statements were a parse and a step each on the intake's hot path). EF's SQLite migrations switch foreign keys off
/// around a table rebuild and back on after it, on the same connection, so a migrated connection ends as it began.
/// </remarks>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>One instance for every context: a new instance per context would defeat EF's service provider cache.</summary>
    public static readonly SqlitePragmas Instance = new();

    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;";

    /// <summary>The native connections already set up; an entry goes when its connection is closed for good and collected.</summary>
    private readonly ConditionalWeakTable<sqlite3, object> _configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!NeedsPragmas(connection, out var handle))
        {
            return;
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        Remember(handle);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!NeedsPragmas(connection, out var handle))
        {
            return;
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        Remember(handle);
    }

    private bool NeedsPragmas(DbConnection connection, out sqlite3? handle)
    {
        handle = (connection as SqliteConnection)?.Handle;
        return handle is null || !_configured.TryGetValue(handle, out _);
    }

    private void Remember(sqlite3? handle)
    {
        if (handle is not null)
        {
            _configured.AddOrUpdate(handle, this);
        }
    }
}
