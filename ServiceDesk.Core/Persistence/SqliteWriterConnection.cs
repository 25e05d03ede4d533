using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// The one SQLite connection every write transaction runs on: SQLite has a single writer and the desk's writers take
/// turns on <see cref="SqliteWriteGate"/> anyway, so the holder of the gate borrows this always-open connection instead
/// of opening one of its own.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite prepares a statement anew on every execution of a new command, and closing a connection
/// finalises its commands' statements: on a connection per transaction every statement of every transaction was parsed
/// and planned again, inside the gate. On this connection <see cref="SqliteStatementCache"/> keeps each statement
/// prepared across transactions. The connection belongs to a context of its own, opened through EF, so it gets the same
/// per-connection setup as any other (<see cref="SqlitePragmas"/>, EF's SQLite functions).
/// </remarks>
public sealed partial class SqliteWriterConnection : IDisposable
{
    private readonly SqliteServiceDeskDbContext _owner;
    private readonly string _connectionString;
    private readonly ILogger<SqliteWriterConnection> _logger;
    private bool _disposed;

    internal SqliteWriterConnection(DbContextOptions<SqliteServiceDeskDbContext> options, ILogger<SqliteWriterConnection> logger)
    {
        _owner = new SqliteServiceDeskDbContext(options);
        _connectionString = _owner.Database.GetConnectionString()!;
        _logger = logger;
        Connection = (SqliteConnection)_owner.Database.GetDbConnection();
        SqliteStatementCache.Instance.Enable(Connection);
    }

    internal SqliteConnection Connection { get; }

    /// <summary>
    /// Runs <paramref name="db"/> on the writer connection until the returned lease is disposed. Call it only while holding
    /// the write gate, and dispose the lease before leaving it. Null when <paramref name="db"/> cannot switch now (its own
    /// connection is open, or a transaction is under way): it then writes on its own connection, as before.
    /// </summary>
    internal async Task<IDisposable?> LendAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (db.Database.CurrentTransaction is not null)
        {
            return null;
        }

        await EnsureReadyAsync(cancellationToken);
        try
        {
            // The context gives up its own connection for the writer's, which it does not own: its disposal and the context
            // pool leave the writer open. (Asking the context for its connection's state first would create one, with EF's
            // per-connection setup, in every transaction: the usual scope has not read anything before.)
            db.Database.SetDbConnection(Connection, contextOwnsConnection: false);
        }
        catch (InvalidOperationException)
        {
            // EF holds the context's own connection open (the caller opened it): the transaction stays on it.
            return null;
        }

        return new Lease(db, _connectionString);
    }

    /// <summary>Open, and outside any transaction: whatever the previous holder's failure left behind is undone first.</summary>
    private async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (Connection.State != ConnectionState.Open)
        {
            if (Connection.State != ConnectionState.Closed)
            {
                await Connection.CloseAsync();
            }

            // Through the owning context: the desk's per-connection setup runs, and the context keeps it open.
            await _owner.Database.OpenConnectionAsync(cancellationToken);
        }

        if (raw.sqlite3_get_autocommit(Connection.Handle) == 0)
        {
            LogLeftInTransaction();
            await using var rollback = Connection.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        SqliteStatementCache.Instance.Disable(Connection);
        _owner.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SQLite writer connection was still in a transaction; rolled it back")]
    private partial void LogLeftInTransaction();

    private sealed class Lease(ServiceDeskDbContext db, string connectionString) : IDisposable
    {
        private bool _returned;

        public void Dispose()
        {
            if (_returned)
            {
                return;
            }

            _returned = true;

            // Back to the state EF starts a context in: its own connection, created from the connection string when the scope
            // next reads (the one it gave up was disposed), owned and set up by EF (a plain new SqliteConnection would lack EF's
            // SQLite functions).
            db.Database.SetDbConnection(null, contextOwnsConnection: true);
            db.Database.SetConnectionString(connectionString);
        }
    }
}
