using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Several app instances that start together on one database take turns to migrate and seed it: without this,
/// two of them apply the same migration at once and the slower one fails on a column the other just added
/// (EF Core's own migration lock does not cover that on PostgreSQL), or both create the same role.
/// The lock belongs to a database session of its own, so the database releases it when an instance dies.
/// SQLite needs none: its database is a file of one machine, and one instance uses it.
/// </summary>
public static class StartupLock
{
    private const string Resource = "ServiceDesk.Startup";

    /// <summary>Any number the instances agree on: the PostgreSQL advisory lock's key.</summary>
    private const long AdvisoryKey = 0x5345_5256_4445_534B;

    public static async Task<IAsyncDisposable> AcquireAsync(DbContext db, CancellationToken cancellationToken)
    {
        var connectionString = db.Database.GetConnectionString();
        DbConnection? connection = db.Database.ProviderName switch
        {
            // Not pooled: the lock is the session's, and the desk's pool does not reset sessions (PostgresConnectionDefaults).
            // Nor multiplexed, which Npgsql only offers on pooled connections: an operator's Multiplexing=true would stop the start-up.
            "Npgsql.EntityFrameworkCore.PostgreSQL" => new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false }.ConnectionString),
            "Microsoft.EntityFrameworkCore.SqlServer" => new SqlConnection(connectionString),
            _ => null,
        };
        if (connection is null)
        {
            return new Held(null, null);
        }

        try
        {
            await connection.OpenAsync(cancellationToken);
            var (take, release) = connection is NpgsqlConnection
                ? ($"SELECT pg_advisory_lock({AdvisoryKey})", $"SELECT pg_advisory_unlock({AdvisoryKey})")
                : ($"EXEC sp_getapplock @Resource = '{Resource}', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = -1",
                   $"EXEC sp_releaseapplock @Resource = '{Resource}', @LockOwner = 'Session'");
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = take;
                command.CommandTimeout = 0; // as long as the other instance's migrations take
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return new Held(connection, release);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Held(DbConnection? connection, string? release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (connection is null)
            {
                return;
            }

            // Released explicitly, then the session ends with the connection.
            await using (connection)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = release;
                await command.ExecuteNonQueryAsync();
            }
        }
    }
}
