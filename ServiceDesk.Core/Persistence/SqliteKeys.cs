using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// The key SQLite would give the next row of a table, taken inside the current write transaction, so that rows which
/// quote each other's keys (a new ticket's acknowledgement quotes its number) are written in one save instead of two.
/// </summary>
/// <remarks>
/// A SQLite write transaction holds the database's one write lock from its start (Microsoft.Data.Sqlite begins it
/// IMMEDIATE), so no other writer can insert between this read and the insert. The desk's tables count with
/// AUTOINCREMENT: the next key is past both the table's largest and the largest it ever had (<c>sqlite_sequence</c>), as
/// SQLite itself would choose, and an explicit key updates that counter.
/// </remarks>
internal static class SqliteKeys
{
    /// <returns>The next key of <typeparamref name="T"/>'s table, or null on another provider or outside a transaction.</returns>
    public static async Task<long?> NextAsync<T>(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        if (db.Provider != DatabaseProvider.Sqlite || db.Database.CurrentTransaction is not { } transaction)
        {
            return null;
        }

        // Kept prepared on the writer connection, like EF's statements: three of these run for every first contact.
        var fresh = (SqliteCommand)db.Database.GetDbConnection().CreateCommand();
        fresh.Transaction = (SqliteTransaction)transaction.GetDbTransaction();
        fresh.CommandText = Statement<T>.Text ??= For(db.Model.FindEntityType(typeof(T))!.GetTableName()!);
        await using var command = SqliteStatementCache.Instance.Keep(fresh);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string For(string table) =>
        $"""SELECT MAX(COALESCE((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = '{table}'), 0), COALESCE((SELECT MAX("Id") FROM "{table}"), 0)) + 1;""";

    /// <summary>One statement per table (the model's table names, the same in every SQLite context).</summary>
    private static class Statement<T>
    {
        public static string? Text;
    }
}
