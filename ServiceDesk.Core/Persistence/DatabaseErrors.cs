using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ServiceDesk.Core.Persistence;

public static class DatabaseErrors
{
    /// <summary>
    /// True when the database, not the data, failed and the same work can succeed later: a lock it could not get
    /// (SQLite busy or locked, PostgreSQL lock timeout, deadlock, serialization failure), a dropped or refused
    /// connection, a timeout. Anywhere in the exception's chain, since EF wraps the provider's error.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e switch
            {
                SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
                DbException db => db.IsTransient,
                TimeoutException => true,
                _ => false,
            })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a save failed because a unique index refused a row: somebody else inserted it first.</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqlException sqlServer => sqlServer.Number is 2601 or 2627,
        _ => false,
    };
}
