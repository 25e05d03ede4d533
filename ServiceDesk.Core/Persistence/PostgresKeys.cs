using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Gives the new contacts, conversations and tickets of the current PostgreSQL transaction their keys before the save,
/// in one round trip, so that the rows which quote them (the message, the acknowledgement that quotes the ticket's
/// number, the conversation's current ticket, the events that name the contact) go in the same save: a new ticket is one
/// save instead of two, each of them several dependent batches. The same statement reserves the keys of the messages
/// the save will insert (<see cref="ReservedMessageKeys"/>), so that the acknowledgement's outbox row, which names its
/// message, goes in the save's one batch instead of a second one that waits for the message's generated key.
/// </summary>
/// <remarks>
/// The keys come from the identity columns' own sequences (<c>nextval</c>), exactly as the inserts would have drawn them:
/// never given twice, in the order they are drawn, with the gaps a rolled-back insert leaves already. Events and outbox
/// rows, which no other row of the message quotes, keep drawing theirs as they are inserted.
/// </remarks>
internal static class PostgresKeys
{
    /// <summary>The tables whose new rows get their keys first, in the order they are drawn.</summary>
    private static readonly Type[] Quoted = [typeof(Contact), typeof(Conversation), typeof(Ticket)];

    /// <summary>The sequences behind those tables' and the messages' identity columns, per database, resolved once.</summary>
    private static readonly ConcurrentDictionary<(string Server, string Database), Dictionary<string, string>> Sequences = new();

    /// <summary>The <c>nextval</c> statements, per database and tables drawn from.</summary>
    private static readonly ConcurrentDictionary<(string Server, string Database, string Tables), IRelationalCommandTemplate> Statements = new();

    /// <param name="messages">How many keys of <see cref="Message"/> rows to reserve for the save.</param>
    /// <returns>
    /// Null on another provider or outside a transaction (nothing was done); else every added row of those tables has its
    /// key, and the reserved message keys are returned.
    /// </returns>
    public static Task<ReservedMessageKeys?> AssignAsync(ServiceDeskDbContext db, int messages, CancellationToken cancellationToken) =>
        AssignAsync(db, messages, detectChanges: true, cancellationToken);

    /// <inheritdoc cref="AssignAsync(ServiceDeskDbContext, int, CancellationToken)"/>
    /// <param name="detectChanges">False when the caller has just run the change detection and changed nothing since.</param>
    public static Task<ReservedMessageKeys?> AssignAsync(ServiceDeskDbContext db, int messages, bool detectChanges, CancellationToken cancellationToken) =>
        AssignAsync(db, messages, detectChanges, ahead: null, cancellationToken);

    /// <inheritdoc cref="AssignAsync(ServiceDeskDbContext, int, bool, CancellationToken)"/>
    /// <param name="ahead">Keys drawn earlier in the transaction: given first, and only the rest are drawn (none: no round trip).</param>
    public static async Task<ReservedMessageKeys?> AssignAsync(
        ServiceDeskDbContext db, int messages, bool detectChanges, KeysDrawnAhead? ahead, CancellationToken cancellationToken)
    {
        if (db.Provider != DatabaseProvider.PostgreSql || db.Database.CurrentTransaction is null)
        {
            return null;
        }

        // One pass over the tracked rows (each Entries() call runs the change detection, unless it is off), then in Quoted's order.
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = detect && detectChanges;
        List<(string Table, Type Type, PropertyEntry Key)> waiting;
        try
        {
            waiting = db.ChangeTracker.Entries()
                .Where(e => e.State == EntityState.Added && Array.IndexOf(Quoted, e.Metadata.ClrType) >= 0)
                .Select(e => (Table: e.Metadata.GetTableName()!, Type: e.Metadata.ClrType, Key: e.Property("Id")))
                .Where(e => e.Key.IsTemporary)
                .OrderBy(e => Array.IndexOf(Quoted, e.Type))
                .ToList();
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }

        long[] messagesAhead = [];
        if (ahead is not null)
        {
            waiting.RemoveAll(e => ahead.Take(e.Type) is { } key && Given(e.Key, key));
            messagesAhead = ahead.TakeMessages(messages);
        }

        var messageTable = db.Model.FindEntityType(typeof(Message))!.GetTableName()!;
        var tables = waiting.Select(e => e.Table).Concat(Enumerable.Repeat(messageTable, messages - messagesAhead.Length)).ToList();
        if (tables.Count == 0)
        {
            return new ReservedMessageKeys(messagesAhead);
        }

        var connection = db.Database.GetDbConnection();
        var sequences = await SequencesAsync(db, cancellationToken);
        var statement = Statements.GetOrAdd(
            (connection.DataSource, connection.Database, string.Join('\n', tables)),
            static (_, named) => Command(named.db, Statement(named.tables, named.sequences)),
            (db, tables, sequences));
        var keys = await ReadRowAsync(db, statement, tables.Count, (r, i) => r.GetInt64(i), cancellationToken);
        for (var i = 0; i < waiting.Count; i++)
        {
            PermanentKey.Give(waiting[i].Key, keys[i]);
        }

        return new ReservedMessageKeys([.. messagesAhead, .. keys[waiting.Count..]]);
    }

    /// <summary>
    /// The next key of a sequence (<c>nextval</c>), for a query that draws keys in its own round trip
    /// (<see cref="IntakeQueries.ContactByAddressWithService"/>): mapped on the PostgreSQL model only.
    /// </summary>
    public static long NextValue(string sequence) => throw new InvalidOperationException($"{nameof(NextValue)}({sequence}) runs in a PostgreSQL query only.");

    /// <summary>The name of the sequence behind the identity column of a table of <see cref="Quoted"/> or of the messages'.</summary>
    public static async Task<string> SequenceOfAsync<T>(ServiceDeskDbContext db, CancellationToken cancellationToken) =>
        (await SequencesAsync(db, cancellationToken))[db.Model.FindEntityType(typeof(T))!.GetTableName()!];

    /// <summary>The sequences of the context's database, resolved once per database.</summary>
    private static async Task<Dictionary<string, string>> SequencesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var database = (connection.DataSource, connection.Database);
        if (!Sequences.TryGetValue(database, out var sequences))
        {
            sequences = await ResolveSequencesAsync(db, cancellationToken);
            Sequences.TryAdd(database, sequences);
        }

        return sequences;
    }

    private static bool Given(PropertyEntry key, long value)
    {
        PermanentKey.Give(key, value);
        return true;
    }

    /// <summary>
    /// The sequences' names, for the statements to name them: resolving them (<c>pg_get_serial_sequence</c>) in every
    /// statement cost the server more than drawing the keys.
    /// </summary>
    private static async Task<Dictionary<string, string>> ResolveSequencesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        var tables = Quoted.Append(typeof(Message)).Select(type => db.Model.FindEntityType(type)!.GetTableName()!).ToList();
        var resolve = "SELECT " + string.Join(", ", tables.Select(table => $"pg_get_serial_sequence('\"{table}\"', 'Id')"));
        var names = await ReadRowAsync(db, Command(db, resolve), tables.Count, (r, i) => r.GetString(i), cancellationToken);
        return tables.Zip(names).ToDictionary(p => p.First, p => p.Second);
    }

    /// <summary>One <c>nextval</c> per key, from the sequence behind the table's identity column.</summary>
    private static string Statement(List<string> tables, Dictionary<string, string> sequences) =>
        "SELECT " + string.Join(", ", tables.Select(table => $"nextval('{sequences[table].Replace("'", "''", StringComparison.Ordinal)}')"));

    private static IRelationalCommandTemplate Command(ServiceDeskDbContext db, string sql) =>
        db.GetService<IRelationalCommandBuilderFactory>().Create().Append(sql).Build();

    /// <summary>
    /// Runs the statement as EF runs its own, through <see cref="IRelationalCommand"/> with the context's connection,
    /// transaction and command diagnostics logger: command interceptors, the Database.Command log and DiagnosticListener see it.
    /// </summary>
    private static async Task<T[]> ReadRowAsync<T>(
        ServiceDeskDbContext db, IRelationalCommandTemplate statement, int columns, Func<DbDataReader, int, T> read, CancellationToken cancellationToken)
    {
        var connection = db.GetService<IRelationalConnection>();
        var command = connection.RentCommand();
        command.PopulateFrom(statement);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(
                new RelationalCommandParameterObject(connection, null, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery),
                cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var values = new T[columns];
            for (var i = 0; i < columns; i++)
            {
                values[i] = read(reader.DbDataReader, i);
            }

            return values;
        }
        finally
        {
            connection.ReturnCommand(command);
        }
    }
}
