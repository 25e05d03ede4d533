using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Gives the new contacts, conversations and tickets of the current PostgreSQL transaction their keys before the save,
/// in one round trip, so that the rows which quote them (the message, the acknowledgement that quotes the ticket's
/// number, the conversation's current ticket, the events that name the contact) go in the same save: a new ticket is one
/// save instead of two, each of them several dependent batches.
/// </summary>
/// <remarks>
/// The keys come from the identity columns' own sequences (<c>nextval</c>), exactly as the inserts would have drawn them:
/// never given twice, in the order they are drawn, with the gaps a rolled-back insert leaves already. Only the keys other
/// rows of the message quote are drawn early; messages and events keep drawing theirs as they are inserted.
/// </remarks>
internal static class PostgresKeys
{
    /// <summary>The tables whose new rows get their keys first, in the order they are drawn.</summary>
    private static readonly Type[] Quoted = [typeof(Contact), typeof(Conversation), typeof(Ticket)];

    private static readonly ConcurrentDictionary<string, string> Statements = new();

    /// <returns>
    /// False on another provider or outside a transaction (nothing was done); true once every added row of those tables
    /// has its key.
    /// </returns>
    public static async Task<bool> AssignAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        if (db.Provider != DatabaseProvider.PostgreSql || db.Database.CurrentTransaction is not { } transaction)
        {
            return false;
        }

        // One pass over the tracked rows (each Entries() call runs the change detection), then in Quoted's order.
        var waiting = db.ChangeTracker.Entries()
            .Where(e => e.State == EntityState.Added && Array.IndexOf(Quoted, e.Metadata.ClrType) >= 0)
            .Select(e => (Table: e.Metadata.GetTableName()!, Order: Array.IndexOf(Quoted, e.Metadata.ClrType), Key: e.Property("Id")))
            .Where(e => e.Key.IsTemporary)
            .OrderBy(e => e.Order)
            .ToList();
        if (waiting.Count == 0)
        {
            return true;
        }

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = Statements.GetOrAdd(string.Join('\n', waiting.Select(e => e.Table)), Statement);
        var keys = new long[waiting.Count];
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = reader.GetInt64(i);
            }
        }

        for (var i = 0; i < keys.Length; i++)
        {
            // A permanent key: EF carries it into the foreign keys that held the temporary one.
            waiting[i].Key.CurrentValue = keys[i];
            waiting[i].Key.IsTemporary = false;
        }

        return true;
    }

    /// <summary>One <c>nextval</c> per key, from the sequence behind the table's identity column.</summary>
    private static string Statement(string tables) =>
        "SELECT " + string.Join(", ", tables.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(table => $"nextval(pg_get_serial_sequence('\"{table}\"', 'Id'))"));
}
