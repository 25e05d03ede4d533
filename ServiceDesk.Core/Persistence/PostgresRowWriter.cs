using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using static ServiceDesk.Core.Persistence.RowWriting;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Saves what an intake transaction or a chat turn on PostgreSQL added and changed, once its rows' keys are drawn
/// (<see cref="PostgresKeys"/>), as one command of plain INSERT and UPDATE statements built from EF's own model (the tables,
/// columns and type mappings of <see cref="RowWriting"/>'s plan), run as EF runs SaveChanges' batch, and then accepts the changes as SaveChanges
/// would. Anything it does not cover is saved by SaveChanges.
/// </summary>
/// <remarks>
/// <para>
/// SaveChanges sends the same rows in one batch too, but prepares it anew for every message: a modification command and column
/// modifications per row, a topological sort, the SQL text and a parameter per column. That preparation was most of the
/// intake's own CPU and allocations per message on PostgreSQL. Here a message's batch is built once per shape (which tables,
/// inserted or which columns changed) and only its values change. The rows go in the order SaveChanges writes them, so the
/// keys the identity columns still give (events, outbox rows) come out as SaveChanges would have them.
/// </para>
/// <para>
/// As EF's PostgreSQL batch does: the statements go in one command, which Npgsql sends as one batch; a row whose key the
/// database gives returns it (<c>RETURNING</c>); an UPDATE checks the key and concurrency tokens the row was read with, and
/// no row affected is a lost race (<see cref="DbUpdateConcurrencyException"/>); a refusal of the database is a
/// <see cref="DbUpdateException"/> with the provider's error inside. The command goes through EF's
/// <see cref="IRelationalCommand"/> with the context's connection, transaction and command diagnostics logger, so command
/// interceptors, the Database.Command log and DiagnosticListener see it; the save is reported through the Update logger. Left
/// to SaveChanges, as by the SQLite writer: a context with SaveChanges interceptors or event handlers, deletions, tables the
/// plan does not cover, and rows that name a row whose key the database has yet to give.
/// </para>
/// </remarks>
internal static class PostgresRowWriter
{
    /// <summary>A bound on the batches kept per model: the intake has a handful of shapes, anything beyond is built for one use.</summary>
    private const int MaxShapes = 256;

    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<string, IRelationalCommandTemplate>> Batches = [];

    /// <summary>Saves the context's changes inside its current transaction: here when covered, else through SaveChanges.</summary>
    /// <returns>False when SaveChanges saved them.</returns>
    public static async Task<bool> SaveChangesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        if (RowWriting.Pending(db, DatabaseProvider.PostgreSql, Covers) is not { } ordered)
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        await RowWriting.SaveAsync(db, ordered.Count, new Batch(db, ordered).RunAsync, cancellationToken);
        return true;
    }

    /// <summary>
    /// One batch cannot carry a key the database gives into the rows that name it (SaveChanges splits the batch there), nor
    /// change a row's key.
    /// </summary>
    private static bool Covers(EntityEntry entry, Table table)
    {
        foreach (var column in table.Columns)
        {
            if (column != table.Key && entry.Property(column.Property).IsTemporary)
            {
                return false;
            }
        }

        return !(entry.State == EntityState.Modified && entry.Property(table.Key.Property).IsModified);
    }

    /// <summary>One message's rows as one command: its statements, their values, and what each returns or affects.</summary>
    private sealed class Batch(ServiceDeskDbContext db, List<(EntityEntry Entry, Table Table)> rows)
    {
        private enum Kind
        {
            Insert,
            InsertReturningKey,
            Update,
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var kinds = new Kind[rows.Count];
            var changed = new ulong[rows.Count];
            var values = new Dictionary<string, object?>();
            var shape = new StringBuilder();
            var statements = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var (entry, table) = rows[i];
                if (entry.State == EntityState.Added)
                {
                    var generated = entry.Property(table.Key.Property).IsTemporary;
                    kinds[i] = generated ? Kind.InsertReturningKey : Kind.Insert;
                    foreach (var column in table.Columns)
                    {
                        if (!generated || column != table.Key)
                        {
                            values[Parameters.Invariant(values.Count)] = entry.Property(column.Property).CurrentValue;
                        }
                    }
                }
                else
                {
                    kinds[i] = Kind.Update;
                    for (var c = 0; c < table.Columns.Count; c++)
                    {
                        var property = entry.Property(table.Columns[c].Property);
                        if (property.IsModified)
                        {
                            changed[i] |= 1UL << c;
                            values[Parameters.Invariant(values.Count)] = property.CurrentValue;
                        }
                    }

                    if (changed[i] == 0)
                    {
                        // Marked modified with no column changed: SaveChanges writes nothing for it either.
                        continue;
                    }

                    foreach (var column in table.Checked)
                    {
                        values[Parameters.Invariant(values.Count)] = entry.Property(column.Property).OriginalValue;
                    }
                }

                statements++;
                shape.Append(table.Name).Append(':').Append((int)kinds[i]).Append(':').Append(changed[i].ToString("x", CultureInfo.InvariantCulture)).Append(';');
            }

            var batches = Batches.GetValue(db.Model, _ => new ConcurrentDictionary<string, IRelationalCommandTemplate>(StringComparer.Ordinal));
            var key = shape.ToString();
            if (!batches.TryGetValue(key, out var template))
            {
                template = Build(kinds, changed);
                if (batches.Count < MaxShapes)
                {
                    batches.TryAdd(key, template);
                }
            }

            var connection = db.GetService<IRelationalConnection>();
            var logger = db.GetService<IRelationalCommandDiagnosticsLogger>();
            var generatedKeys = new List<(int Row, object Key)>();
            var command = connection.RentCommand();
            command.PopulateFrom(template);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(
                    new RelationalCommandParameterObject(connection, values, null, db, logger, CommandSource.SaveChanges), cancellationToken);

                // The rows that return their key, in statement order; Npgsql passes over the statements that return nothing.
                for (var current = 0; current < rows.Count; current++)
                {
                    if (kinds[current] != Kind.InsertReturningKey)
                    {
                        continue;
                    }

                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        throw Lost([current]);
                    }

                    generatedKeys.Add((current, reader.DbDataReader.GetValue(0)));
                    await reader.DbDataReader.NextResultAsync(cancellationToken);
                }

                // Every statement's outcome read, the rows they affected are known: each of them one row (an insert either writes
                // its row or fails), so fewer are a row an UPDATE no longer found as it was read: a lost race.
                while (await reader.DbDataReader.NextResultAsync(cancellationToken))
                {
                }

                if (reader.DbDataReader.RecordsAffected < statements)
                {
                    throw Lost([.. Enumerable.Range(0, rows.Count).Where(i => kinds[i] == Kind.Update && changed[i] != 0)]);
                }
            }
            catch (Exception e) when (e is not DbUpdateException and not OperationCanceledException)
            {
                // As SaveChanges reports it: the provider's error inside, which tells a lost race (a unique index's refusal) or
                // a transient failure from an error of the data.
                throw new DbUpdateException(RelationalStrings.UpdateStoreException, e, [.. rows.Select(r => r.Entry)]);
            }
            finally
            {
                connection.ReturnCommand(command);
            }

            foreach (var (row, value) in generatedKeys)
            {
                var (entry, table) = rows[row];
                entry.Property(table.Key.Property).CurrentValue = Convert.ChangeType(value, table.Key.Property.ClrType, CultureInfo.InvariantCulture);
            }
        }

        private DbUpdateConcurrencyException Lost(int[] lost) =>
            new($"{RelationalStrings.UpdateConcurrencyException(1, 0)} ({string.Join(", ", lost.Select(i => rows[i].Entry.Metadata.DisplayName()))})");

        /// <summary>The batch's command: its statements with their parameters numbered through it, as SaveChanges names them.</summary>
        private IRelationalCommandTemplate Build(Kind[] kinds, ulong[] changed)
        {
            var builder = db.GetService<IRelationalCommandBuilderFactory>().Create();
            var index = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var table = rows[i].Table;
                if (kinds[i] != Kind.Update)
                {
                    table.AppendInsert(builder, returningKey: kinds[i] == Kind.InsertReturningKey, ref index);
                }
                else if (changed[i] != 0)
                {
                    table.AppendUpdate(builder, changed[i], ref index);
                }
                else
                {
                    continue;
                }

                builder.AppendLine(";");
            }

            return builder.Build();
        }
    }
}
