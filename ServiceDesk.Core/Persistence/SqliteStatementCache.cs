using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Keeps the prepared statements of a long-lived SQLite connection (<see cref="SqliteWriterConnection"/>) from one
/// execution to the next: one <see cref="SqliteCommand"/> per command text, reused instead of a new one.
/// </summary>
/// <remarks>
/// EF creates a command per execution and disposes it afterwards, and a <see cref="SqliteCommand"/> keeps its prepared
/// statements only as long as it lives with the same text, so SQLite parsed and planned every statement on every
/// execution. Here EF's freshly initialised command hands its parameters, transaction and timeout to the cached command
/// of the same text, which EF then runs and "disposes" (kept instead). A cached command still executing (a reader of it
/// still open while the same text runs again) is not shared: that execution keeps EF's own command. Only connections
/// enabled here are affected; the statements of the others are left alone.
/// </remarks>
internal sealed class SqliteStatementCache : DbCommandInterceptor
{
    /// <summary>One instance for every context: a new instance per context would defeat EF's service provider cache.</summary>
    public static readonly SqliteStatementCache Instance = new();

    /// <summary>More than the desk's distinct write-path statements; texts that vary (lists of values) push out the least used.</summary>
    internal const int Capacity = 256;

    private readonly ConditionalWeakTable<SqliteConnection, Commands> _connections = [];

    public void Enable(SqliteConnection connection) => _connections.AddOrUpdate(connection, new Commands());

    public void Disable(SqliteConnection connection)
    {
        if (_connections.TryGetValue(connection, out var commands))
        {
            _connections.Remove(connection);
            commands.Dispose();
        }
    }

    /// <summary>How many commands the connection keeps prepared (for tests).</summary>
    internal int CountFor(SqliteConnection connection) => _connections.TryGetValue(connection, out var commands) ? commands.Count : 0;

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result) =>
        result is SqliteCommand command ? Keep(command) : result;

    /// <summary>
    /// The kept command of <paramref name="fresh"/>'s text (which takes its parameters, transaction and timeout, and replaces
    /// it), for the desk's own statements that do not go through EF; <paramref name="fresh"/> itself on a connection not
    /// enabled here. Dispose the result after use, as EF does.
    /// </summary>
    public SqliteCommand Keep(SqliteCommand fresh) =>
        fresh.Connection is { } connection && _connections.TryGetValue(connection, out var commands) ? commands.Take(fresh) : fresh;

    /// <summary>One connection's commands. The connection is used by one writer at a time; the lock only makes that cheap to rely on.</summary>
    private sealed class Commands : IDisposable
    {
        private readonly Dictionary<string, KeptCommand> _byText = new(StringComparer.Ordinal);
        private long _clock;

        public int Count
        {
            get
            {
                lock (_byText)
                {
                    return _byText.Count;
                }
            }
        }

        /// <summary>The kept command for EF's freshly initialised <paramref name="fresh"/>, which it replaces (and disposes).</summary>
        public SqliteCommand Take(SqliteCommand fresh)
        {
            lock (_byText)
            {
                if (!_byText.TryGetValue(fresh.CommandText, out var kept))
                {
                    if (_byText.Count >= Capacity)
                    {
                        EvictLeastUsed();
                    }

                    kept = new KeptCommand(this) { Connection = fresh.Connection, CommandText = fresh.CommandText };
                    _byText.Add(fresh.CommandText, kept);
                }
                else if (kept.InUse)
                {
                    return fresh;
                }

                foreach (SqliteParameter parameter in fresh.Parameters)
                {
                    kept.Parameters.Add(parameter);
                }

                fresh.Parameters.Clear();
                kept.Transaction = fresh.Transaction;
                kept.CommandTimeout = fresh.CommandTimeout;
                fresh.Dispose();
                kept.InUse = true;
                kept.LastUsed = ++_clock;
                return kept;
            }
        }

        /// <summary>EF is done with the command: its parameters go, its prepared statements stay.</summary>
        public void Return(KeptCommand command)
        {
            lock (_byText)
            {
                // Parameter values (message texts) are not kept alive until the next execution.
                command.Parameters.Clear();
                command.Transaction = null;
                command.InUse = false;
            }
        }

        private void EvictLeastUsed()
        {
            KeptCommand? oldest = null;
            foreach (var kept in _byText.Values)
            {
                if (!kept.InUse && (oldest is null || kept.LastUsed < oldest.LastUsed))
                {
                    oldest = kept;
                }
            }

            if (oldest is not null)
            {
                _byText.Remove(oldest.CommandText);
                oldest.Release();
            }
        }

        public void Dispose()
        {
            lock (_byText)
            {
                foreach (var kept in _byText.Values)
                {
                    kept.Release();
                }

                _byText.Clear();
            }
        }
    }

    /// <summary>
    /// A command whose disposal by EF (after every execution) returns it to the cache: EF 10 has no interception point
    /// for command disposal, and a disposed <see cref="SqliteCommand"/> finalises its statements.
    /// </summary>
    private sealed class KeptCommand(Commands owner) : SqliteCommand
    {
        private bool _released;

        public bool InUse { get; set; }

        public long LastUsed { get; set; }

        /// <summary>Out of the cache: the next disposal is a real one.</summary>
        public void Release()
        {
            _released = true;
            if (!InUse)
            {
                Dispose();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_released)
            {
                owner.Return(this);
                return;
            }

            base.Dispose(disposing);
        }
    }
}
