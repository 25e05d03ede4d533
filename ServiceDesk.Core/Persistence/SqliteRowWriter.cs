using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using static ServiceDesk.Core.Persistence.RowWriting;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Saves what an intake transaction or a chat turn on SQLite added and changed with plain INSERT and UPDATE statements built from EF's
/// own model (tables, columns, type mappings and their value converters), run as EF runs SaveChanges' statements, and then
/// accepts the changes as SaveChanges would. Anything it does not cover is saved by SaveChanges.
/// </summary>
/// <remarks>
/// <para>
/// Every message's transaction runs inside SQLite's single write gate, and there SaveChanges spent most of its time not in
/// SQLite but in preparing the save: a modification command per row, a topological sort of them, their SQL and parameters
/// generated anew, batches, keys read back. The intake's rows need little of that: a handful of rows, most of whose keys are
/// taken first, the others being the row id SQLite gives. The rows go in the order SaveChanges writes them, so that SQLite
/// gives the same keys, and read back the same, column by column. Covered: added rows and changed columns (with their
/// concurrency tokens checked) of entity types mapped to a table of their own, with one integer key column, and no values
/// the database computes apart from that key. Not covered (left to SaveChanges): deletions, anything else.
/// </para>
/// <para>
/// Every statement runs through EF's own <see cref="IRelationalCommand"/>, with the context's connection, transaction and
/// command diagnostics logger, as a reader, as SaveChanges runs it on SQLite: command interceptors (which may refuse,
/// suppress or replace the execution), the Database.Command log and DiagnosticListener see every row written, and the
/// desk's statement cache keeps the statements prepared. The save itself is reported through the Update logger
/// (SaveChanges starting, completed, failed). What the writer cannot honour it leaves to SaveChanges: a context with
/// SaveChanges interceptors (they may suppress the save or a concurrency failure, which EF raises with its internal update
/// entries) or with handlers on its SavingChanges, SavedChanges or SaveChangesFailed events (only DbContext can raise them).
/// </para>
/// </remarks>
internal static class SqliteRowWriter
{
    /// <summary>Saves the context's changes inside its current transaction: here when covered, else through SaveChanges.</summary>
    /// <returns>False when SaveChanges saved them.</returns>
    public static async Task<bool> SaveChangesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        // Row by row, a key SQLite gives reaches the rows that name it before they are written.
        if (RowWriting.Pending(db, DatabaseProvider.Sqlite, covers: static (_, _) => true) is not { } ordered)
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        await RowWriting.SaveAsync(
            db,
            ordered.Count,
            async ct =>
            {
                var statements = new Statements(db);
                foreach (var (entry, table) in ordered)
                {
                    if (entry.State == EntityState.Added)
                    {
                        await statements.InsertAsync(entry, table, ct);
                    }
                    else
                    {
                        await statements.UpdateAsync(entry, table, ct);
                    }
                }
            },
            cancellationToken);
        return true;
    }

    /// <summary>One save's statements, run as SaveChanges runs its own: EF's relational command, as a reader, with the context's diagnostics.</summary>
    private sealed class Statements(ServiceDeskDbContext db)
    {
        private readonly IRelationalConnection _connection = db.GetService<IRelationalConnection>();
        private readonly IRelationalCommandDiagnosticsLogger _logger = db.GetService<IRelationalCommandDiagnosticsLogger>();
        private readonly Dictionary<string, object?> _values = [];

        public async Task InsertAsync(EntityEntry entry, Table table, CancellationToken cancellationToken)
        {
            var key = entry.Property(table.Key.Property);
            var generated = key.IsTemporary;
            _values.Clear();
            var index = 0;
            foreach (var column in table.Columns)
            {
                if (generated && column == table.Key)
                {
                    continue;
                }

                var property = entry.Property(column.Property);
                if (property.IsTemporary)
                {
                    throw new InvalidOperationException($"{table.Name}.{column.Property.Name} names a row not saved yet.");
                }

                _values[Parameters.Invariant(index++)] = property.CurrentValue;
            }

            var statement = generated ? table.InsertReturningKey : table.Insert;
            var givenKey = await RunAsync(statement, entry, read: generated, cancellationToken);
            if (generated)
            {
                // The row id SQLite has just given (the key column is the table's INTEGER PRIMARY KEY), read back as SaveChanges
                // reads it: EF gives it to the rows that name this one.
                key.CurrentValue = Convert.ChangeType(
                    givenKey ?? throw Lost(entry, 0), table.Key.Property.ClrType, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        public async Task UpdateAsync(EntityEntry entry, Table table, CancellationToken cancellationToken)
        {
            _values.Clear();
            var changed = 0UL;
            var index = 0;
            for (var i = 0; i < table.Columns.Count; i++)
            {
                var property = entry.Property(table.Columns[i].Property);
                if (property.IsModified)
                {
                    changed |= 1UL << i;
                    _values[Parameters.Invariant(index++)] = property.CurrentValue;
                }
            }

            if (changed == 0)
            {
                return;
            }

            foreach (var column in table.Checked)
            {
                _values[Parameters.Invariant(index++)] = entry.Property(column.Property).OriginalValue;
            }

            // RETURNING 1 as SaveChanges has it on SQLite: no row back means another writer changed or deleted the row.
            if (await RunAsync(table.UpdateOf(changed), entry, read: true, cancellationToken) is null)
            {
                throw Lost(entry, 0);
            }
        }

        /// <returns>The first column of the row the statement returned, when <paramref name="read"/>; else null.</returns>
        private async Task<object?> RunAsync(IRelationalCommandTemplate statement, EntityEntry entry, bool read, CancellationToken cancellationToken)
        {
            var command = _connection.RentCommand();
            command.PopulateFrom(statement);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(
                    new RelationalCommandParameterObject(_connection, _values, null, db, _logger, CommandSource.SaveChanges), cancellationToken);
                return read && await reader.ReadAsync(cancellationToken) ? reader.DbDataReader.GetValue(0) : null;
            }
            catch (Exception e) when (e is not DbUpdateException and not OperationCanceledException)
            {
                // As SaveChanges reports it: the provider's error inside, which tells a lost race (a unique index's refusal) or
                // a transient failure from an error of the data.
                throw new DbUpdateException(RelationalStrings.UpdateStoreException, e, [entry]);
            }
            finally
            {
                _connection.ReturnCommand(command);
            }
        }

        private static DbUpdateConcurrencyException Lost(EntityEntry entry, int rowsAffected) =>
            new($"{RelationalStrings.UpdateConcurrencyException(1, rowsAffected)} ({entry.Metadata.DisplayName()})");
    }
}
