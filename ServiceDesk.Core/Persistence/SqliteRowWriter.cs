using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Saves what an intake transaction on SQLite added and changed with plain INSERT and UPDATE statements built from EF's
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
    private static readonly ConditionalWeakTable<IModel, Plan> Plans = [];

    /// <summary>Saves the context's changes inside its current transaction: here when covered, else through SaveChanges.</summary>
    /// <returns>False when SaveChanges saved them.</returns>
    public static async Task<bool> SaveChangesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        var updateLogger = db.GetService<IDiagnosticsLogger<DbLoggerCategory.Update>>();
        if (db.Provider != DatabaseProvider.Sqlite
            || db.Database.CurrentTransaction is null
            || updateLogger.Interceptors?.Aggregate<ISaveChangesInterceptor>() is not null
            || SaveChangesEvents.MayBeHandled(db))
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        var plan = PlanOf(db);

        // Detects the changes once (as SaveChanges does); nothing below changes entities except the keys SQLite gives.
        var pending = new List<(EntityEntry Entry, Table Table)>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached)
            {
                continue;
            }

            if (entry.State == EntityState.Deleted || plan.TableOf(entry.Metadata) is not { } table)
            {
                await db.SaveChangesAsync(cancellationToken);
                return false;
            }

            pending.Add((entry, table));
        }

        if (Order(pending) is not { } ordered)
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        // As SaveChanges reports itself (log and diagnostics; there is no interceptor to ask, see above).
        await updateLogger.SaveChangesStartingAsync(db, cancellationToken);
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            var statements = new Statements(db);
            foreach (var (entry, table) in ordered)
            {
                if (entry.State == EntityState.Added)
                {
                    await statements.InsertAsync(entry, table, cancellationToken);
                }
                else
                {
                    await statements.UpdateAsync(entry, table, cancellationToken);
                }
            }

            db.ChangeTracker.AcceptAllChanges();
            await updateLogger.SaveChangesCompletedAsync(db, ordered.Count, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // SaveChanges does not log a lost race as a failed save either.
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await updateLogger.SaveChangesCanceledAsync(db, cancellationToken);
            throw;
        }
        catch (Exception e)
        {
            await updateLogger.SaveChangesFailedAsync(db, e, cancellationToken);
            throw;
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }

        return true;
    }

    /// <summary>The model's tables and statements, computed once per model (the PostgreSQL writer shares them).</summary>
    internal static Plan PlanOf(ServiceDeskDbContext db) =>
        Plans.GetValue(db.Model, _ => new Plan(db.Model, db.GetService<IRelationalCommandBuilderFactory>()));

    /// <summary>
    /// The order SaveChanges writes the rows in: by how many added rows they wait for (a row after those it names), then by
    /// table, state and key, so that SQLite gives the keys it gives in the order SaveChanges would have. Null when the rows name
    /// each other in a cycle.
    /// </summary>
    internal static List<(EntityEntry Entry, Table Table)>? Order(List<(EntityEntry Entry, Table Table)> pending)
    {
        var added = new Dictionary<(IEntityType, object), int>();
        for (var i = 0; i < pending.Count; i++)
        {
            if (pending[i].Entry.State == EntityState.Added && pending[i].Entry.Property(pending[i].Table.Key.Property).CurrentValue is { } key)
            {
                added[(pending[i].Entry.Metadata, key)] = i;
            }
        }

        var levels = new int[pending.Count];
        Array.Fill(levels, -1);
        for (var i = 0; i < pending.Count; i++)
        {
            if (LevelOf(i, depth: 0) < 0)
            {
                return null;
            }
        }

        var ordered = Enumerable.Range(0, pending.Count)
            .OrderBy(i => levels[i])
            .ThenBy(i => pending[i].Table.Name, StringComparer.Ordinal)
            .ThenBy(i => (int)pending[i].Entry.State)
            .ThenBy(i => Convert.ToInt64(pending[i].Entry.Property(pending[i].Table.Key.Property).CurrentValue, System.Globalization.CultureInfo.InvariantCulture))
            .Select(i => pending[i])
            .ToList();
        return ordered;

        int LevelOf(int i, int depth)
        {
            if (levels[i] >= 0)
            {
                return levels[i];
            }

            if (depth > pending.Count)
            {
                return -1;
            }

            var level = 0;
            foreach (var foreignKey in pending[i].Entry.Metadata.GetForeignKeys())
            {
                if (foreignKey.Properties is [var property]
                    && pending[i].Entry.Property(property).CurrentValue is { } value
                    && added.TryGetValue((foreignKey.PrincipalEntityType, value), out var principal)
                    && principal != i)
                {
                    var principalLevel = LevelOf(principal, depth + 1);
                    if (principalLevel < 0)
                    {
                        return -1;
                    }

                    level = Math.Max(level, principalLevel + 1);
                }
            }

            return levels[i] = level;
        }
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

    /// <summary>
    /// Whether the context's own SaveChanges events may have handlers, which only DbContext can raise: read from the events'
    /// fields. Should those fields not be found (another EF version), every save is left to SaveChanges, which the tests notice.
    /// </summary>
    internal static class SaveChangesEvents
    {
        private static readonly System.Reflection.FieldInfo?[] Fields =
            [.. new[] { nameof(DbContext.SavingChanges), nameof(DbContext.SavedChanges), nameof(DbContext.SaveChangesFailed) }
                .Select(name => typeof(DbContext).GetField(name, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic))];

        public static bool MayBeHandled(DbContext db)
        {
            foreach (var field in Fields)
            {
                if (field is null || field.GetValue(db) is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Parameter names as SaveChanges names them (@p0, @p1...), with the invariant names EF's commands key their values by.</summary>
    internal static class Parameters
    {
        private static readonly ConcurrentDictionary<int, string> InvariantNames = new();

        public static string Invariant(int index) => InvariantNames.GetOrAdd(index, i => $"p{i}");

        public static string Name(int index) => "@" + Invariant(index);
    }

    /// <summary>The statements and column mappings of the model's tables the writer covers, computed once per model.</summary>
    internal sealed class Plan
    {
        private readonly Dictionary<IEntityType, Table?> _tables = [];

        public Plan(IModel model, IRelationalCommandBuilderFactory commands)
        {
            foreach (var entityType in model.GetEntityTypes())
            {
                _tables[entityType] = Table.For(entityType, commands);
            }
        }

        public Table? TableOf(IEntityType entityType) => _tables.GetValueOrDefault(entityType);
    }

    internal sealed record Column(IProperty Property, string Quoted, RelationalTypeMapping Mapping, bool IsNullable);

    internal sealed class Table
    {
        private readonly IRelationalCommandBuilderFactory _commands;
        private readonly ConcurrentDictionary<ulong, IRelationalCommandTemplate> _updates = new();

        private Table(string name, Column key, List<Column> columns, IRelationalCommandBuilderFactory commands)
        {
            _commands = commands;
            Name = name;
            Quoted = Quote(name);
            Key = key;
            Columns = columns;
            Checked = [key, .. columns.Where(c => c != key && c.Property.IsConcurrencyToken)];
            Insert = InsertOf(columns, returningKey: false);
            InsertReturningKey = InsertOf([.. columns.Where(c => c != key)], returningKey: true);
        }

        public string Name { get; }

        public string Quoted { get; }

        public Column Key { get; }

        public IReadOnlyList<Column> Columns { get; }

        /// <summary>The key and the concurrency tokens: what an UPDATE's WHERE checks.</summary>
        public IReadOnlyList<Column> Checked { get; }

        public IRelationalCommandTemplate Insert { get; }

        public IRelationalCommandTemplate InsertReturningKey { get; }

        /// <summary>The UPDATE of the columns whose bits <paramref name="changed"/> sets, built once per set of columns.</summary>
        public IRelationalCommandTemplate UpdateOf(ulong changed) => _updates.GetOrAdd(changed, set =>
        {
            var builder = _commands.Create();
            var columns = Columns.Where((_, i) => (set & (1UL << i)) != 0).ToList();
            builder.Append($"UPDATE {Quoted} SET ");
            var index = 0;
            foreach (var column in columns)
            {
                builder.Append(index == 0 ? "" : ", ").Append($"{column.Quoted} = {Parameters.Name(index)}");
                Add(builder, column, index++);
            }

            builder.AppendLine().Append("WHERE ");
            foreach (var column in Checked)
            {
                builder.Append(column == Checked[0] ? "" : " AND ").Append($"{column.Quoted} = {Parameters.Name(index)}");
                Add(builder, column, index++);
            }

            return builder.AppendLine().Append("RETURNING 1;").Build();
        });

        /// <summary>The table of an entity type the writer covers, else null.</summary>
        public static Table? For(IEntityType entityType, IRelationalCommandBuilderFactory commands)
        {
            if (entityType.IsOwned() || entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any()
                || entityType.GetTableName() is not { } tableName || entityType.GetSchema() is not null
                || entityType.FindPrimaryKey() is not { Properties: [var keyProperty] }
                || keyProperty.ClrType != typeof(long) && keyProperty.ClrType != typeof(int)
                || entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(n => n.TargetEntityType.IsOwned())
                || entityType.GetMappingFragments().Any())
            {
                return null;
            }

            var store = StoreObjectIdentifier.Table(tableName);
            var columns = new List<Column>();
            foreach (var property in entityType.GetProperties())
            {
                // Values the database computes or supplies by default are read back by SaveChanges; here only the key is.
                if (property.GetColumnName(store) is not { } columnName || property.GetRelationalTypeMapping() is not { } mapping
                    || (property != keyProperty && (property.ValueGenerated != ValueGenerated.Never || property.GetDefaultValueSql(store) is not null
                        || property.TryGetDefaultValue(store, out _) || property.GetComputedColumnSql(store) is not null)))
                {
                    return null;
                }

                columns.Add(new Column(property, Quote(columnName), mapping, property.IsColumnNullable(store)));
            }

            // An UPDATE's changed columns are one bit each.
            if (columns.Count > 64)
            {
                return null;
            }

            var key = columns.Single(c => c.Property == keyProperty);
            return new Table(tableName, key, columns, commands);
        }

        private IRelationalCommandTemplate InsertOf(List<Column> columns, bool returningKey)
        {
            var builder = _commands.Create();
            builder.Append($"INSERT INTO {Quoted} ({string.Join(", ", columns.Select(c => c.Quoted))})").AppendLine();
            builder.Append($"VALUES ({string.Join(", ", columns.Select((_, i) => Parameters.Name(i)))})");
            for (var i = 0; i < columns.Count; i++)
            {
                Add(builder, columns[i], i);
            }

            return (returningKey ? builder.AppendLine().Append($"RETURNING {Key.Quoted};") : builder.Append(";")).Build();
        }

        private static void Add(IRelationalCommandBuilder builder, Column column, int index) =>
            builder.AddParameter(Parameters.Invariant(index), Parameters.Name(index), column.Mapping, column.IsNullable, ParameterDirection.Input);

        private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
