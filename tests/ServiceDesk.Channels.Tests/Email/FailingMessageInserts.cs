using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>
/// Makes the database refuse the insert of a message whose parameters contain a marker, with the error the
/// provider gives: a lock it could not get (transient) a number of times, or an error of the data (for good).
/// </summary>
internal sealed class FailingMessageInserts(DatabaseProvider provider) : DbCommandInterceptor
{
    private readonly Dictionary<string, (bool Transient, int Remaining)> _plans = [];
    private readonly Dictionary<string, int> _failures = [];

    public void Fail(string marker, bool transient, int times = int.MaxValue)
    {
        lock (_plans)
        {
            _plans[marker] = (transient, times);
        }
    }

    public int FailuresOf(string marker)
    {
        lock (_plans)
        {
            return _failures.GetValueOrDefault(marker);
        }
    }

    public void AddTo(IServiceCollection services)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            services.ConfigureDbContext<SqliteServiceDeskDbContext>(o => o.AddInterceptors(this));
        }
        else
        {
            services.ConfigureDbContext<PostgreSqlServiceDeskDbContext>(o => o.AddInterceptors(this));
        }
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        ThrowIfPlanned(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ThrowIfPlanned(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void ThrowIfPlanned(DbCommand command)
    {
        if (!command.CommandText.Contains("INSERT INTO \"Messages\"", StringComparison.Ordinal))
        {
            return;
        }

        var values = command.Parameters.Cast<DbParameter>().Select(p => p.Value as string).OfType<string>().ToList();
        bool transient;
        lock (_plans)
        {
            var marker = _plans.Keys.FirstOrDefault(m => values.Any(v => v.Contains(m, StringComparison.Ordinal)));
            if (marker is null || _plans[marker].Remaining <= 0)
            {
                return;
            }

            (transient, var remaining) = _plans[marker];
            _plans[marker] = (transient, remaining - 1);
            _failures[marker] = _failures.GetValueOrDefault(marker) + 1;
        }

        throw (provider, transient) switch
        {
            (DatabaseProvider.Sqlite, true) => new SqliteException("database is locked", 5),
            (DatabaseProvider.Sqlite, false) => new SqliteException("CHECK constraint failed", 19),
            (_, true) => new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable),
            _ => new PostgresException("value too long for type character varying(500)", "ERROR", "ERROR", PostgresErrorCodes.StringDataRightTruncation),
        };
    }
}
