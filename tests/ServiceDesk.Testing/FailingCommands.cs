using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Testing;

/// <summary>
/// Makes the database refuse the INSERT of a row (a message, by default) whose parameters contain a marker, with the
/// error the provider gives: a lock it could not get (transient) or an error of the data (for good), as often as asked.
/// Register it with <see cref="CommandWatcher.AddTo"/> before the desk is built.
/// </summary>
public sealed class FailingCommands(DatabaseProvider provider) : CommandWatcher
{
    private readonly Dictionary<string, Plan> _plans = [];
    private readonly Dictionary<string, int> _failures = [];

    /// <summary>Refuses the INSERT into <paramref name="table"/> whose parameters contain <paramref name="marker"/>, <paramref name="times"/> times.</summary>
    public void Fail(string marker, bool transient = false, int times = int.MaxValue, string table = "Messages")
    {
        lock (_plans)
        {
            _plans[marker] = new Plan($"INSERT INTO \"{table}\"", transient, times);
        }
    }

    /// <summary>How many statements were refused for the marker.</summary>
    public int FailuresOf(string marker)
    {
        lock (_plans)
        {
            return _failures.GetValueOrDefault(marker);
        }
    }

    protected override ValueTask SeeAsync(DbCommand command, CancellationToken cancellationToken)
    {
        bool transient;
        lock (_plans)
        {
            // A save may send several statements in one command (PostgreSQL batches them): the parameters are all of them.
            var values = command.Parameters.Cast<DbParameter>().Select(p => p.Value as string).OfType<string>().ToList();
            var marker = _plans.FirstOrDefault(p =>
                p.Value.Remaining > 0
                && command.CommandText.Contains(p.Value.Statement, StringComparison.Ordinal)
                && values.Any(v => v.Contains(p.Key, StringComparison.Ordinal))).Key;
            if (marker is null)
            {
                return ValueTask.CompletedTask;
            }

            var plan = _plans[marker];
            _plans[marker] = plan with { Remaining = plan.Remaining - 1 };
            _failures[marker] = _failures.GetValueOrDefault(marker) + 1;
            transient = plan.Transient;
        }

        throw (provider, transient) switch
        {
            (DatabaseProvider.Sqlite, true) => new SqliteException("database is locked", 5),
            (DatabaseProvider.Sqlite, false) => new SqliteException("CHECK constraint failed", 19),
            (_, true) => new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable),
            _ => new PostgresException("value too long for type character varying(500)", "ERROR", "ERROR", PostgresErrorCodes.StringDataRightTruncation),
        };
    }

    private sealed record Plan(string Statement, bool Transient, int Remaining);
}
