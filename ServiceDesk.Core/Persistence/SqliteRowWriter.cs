using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Saves what an intake transaction on SQLite added and changed with plain INSERT and UPDATE statements built from EF's
/// own model (tables, columns, type mappings and their value converters), kept prepared on the writer connection, and then
/// accepts the changes as SaveChanges would. Anything it does not cover is saved by SaveChanges.
/// </summary>
/// <remarks>
/// Every message's transaction runs inside SQLite's single write gate, and there SaveChanges spent most of its time not in
/// SQLite but in preparing the save: a modification command per row, a topological sort of them, their SQL and parameters
/// generated anew, batches, keys read back. The intake's rows need little of that: a handful of rows, most of whose keys are
/// taken first, the others being the row id SQLite has just given. The rows go in the order SaveChanges writes them, so that
/// SQLite gives the same keys, and read back the same, column by column. Covered: added rows and changed columns (with
/// their concurrency tokens checked) of entity types mapped to a table of their own, with one integer key column, and no
/// values the database computes apart from that key. Not covered (left to SaveChanges): deletions, anything else.
/// </remarks>
internal static class SqliteRowWriter
{
    private static readonly ConditionalWeakTable<IModel, Plan> Plans = [];

    /// <summary>Saves the context's changes inside its current transaction: here when covered, else through SaveChanges.</summary>
    /// <returns>False when SaveChanges saved them.</returns>
    public static async Task<bool> SaveChangesAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        if (db.Provider != DatabaseProvider.Sqlite
            || db.Database.CurrentTransaction?.GetDbTransaction() is not SqliteTransaction transaction
            || transaction.Connection is not { } connection)
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        var plan = Plans.GetValue(db.Model, model => new Plan(model));

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

        if (pending.Count == 0)
        {
            return true;
        }

        if (Order(pending) is not { } ordered)
        {
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var (entry, table) in ordered)
            {
                if (entry.State == EntityState.Added)
                {
                    await InsertAsync(connection, transaction, entry, table, cancellationToken);
                }
                else
                {
                    await UpdateAsync(connection, transaction, entry, table, cancellationToken);
                }
            }

            db.ChangeTracker.AcceptAllChanges();
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }

        return true;
    }

    /// <summary>
    /// The order SaveChanges writes the rows in: by how many added rows they wait for (a row after those it names), then by
    /// table, state and key, so that SQLite gives the keys it gives in the order SaveChanges would have. Null when the rows name
    /// each other in a cycle.
    /// </summary>
    private static List<(EntityEntry Entry, Table Table)>? Order(List<(EntityEntry Entry, Table Table)> pending)
    {
        var added = new Dictionary<(IEntityType, object), int>();
        for (var i = 0; i < pending.Count; i++)
        {
            if (pending[i].Entry.State == EntityState.Added && pending[i].Entry.Property(pending[i].Table.Key.Name).CurrentValue is { } key)
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
            .ThenBy(i => Convert.ToInt64(pending[i].Entry.Property(pending[i].Table.Key.Name).CurrentValue, System.Globalization.CultureInfo.InvariantCulture))
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
                    && pending[i].Entry.Property(property.Name).CurrentValue is { } value
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

    private static async Task InsertAsync(SqliteConnection connection, SqliteTransaction transaction, EntityEntry entry, Table table, CancellationToken cancellationToken)
    {
        var key = entry.Property(table.Key.Name);
        var generated = key.IsTemporary;
        var fresh = connection.CreateCommand();
        fresh.Transaction = transaction;
        fresh.CommandText = generated ? table.InsertWithoutKey : table.Insert;
        var index = 0;
        foreach (var column in table.Columns)
        {
            if (generated && column == table.Key)
            {
                continue;
            }

            var property = entry.Property(column.Name);
            if (property.IsTemporary)
            {
                throw new InvalidOperationException($"{table.Name}.{column.Name} names a row not saved yet.");
            }

            fresh.Parameters.Add(column.Mapping.CreateParameter(fresh, Parameter(index++), property.CurrentValue, column.IsNullable));
        }

        await ExecuteAsync(fresh, entry, cancellationToken);
        if (generated)
        {
            // The row id SQLite has just given (the key column is the table's INTEGER PRIMARY KEY): EF gives it to the
            // rows that name this one, as it does with the keys SaveChanges reads back.
            key.CurrentValue = Convert.ChangeType(raw.sqlite3_last_insert_rowid(connection.Handle), table.Key.ClrType, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static async Task UpdateAsync(SqliteConnection connection, SqliteTransaction transaction, EntityEntry entry, Table table, CancellationToken cancellationToken)
    {
        var set = new StringBuilder();
        var fresh = connection.CreateCommand();
        fresh.Transaction = transaction;
        var index = 0;
        foreach (var column in table.Columns)
        {
            var property = entry.Property(column.Name);
            if (!property.IsModified)
            {
                continue;
            }

            var name = Parameter(index++);
            set.Append(set.Length == 0 ? "" : ", ").Append(column.Quoted).Append(" = ").Append(name);
            fresh.Parameters.Add(column.Mapping.CreateParameter(fresh, name, property.CurrentValue, column.IsNullable));
        }

        if (set.Length == 0)
        {
            fresh.Dispose();
            return;
        }

        var where = new StringBuilder();
        foreach (var column in table.Checked)
        {
            var name = Parameter(index++);
            where.Append(where.Length == 0 ? "" : " AND ").Append(column.Quoted).Append(" = ").Append(name);
            fresh.Parameters.Add(column.Mapping.CreateParameter(fresh, name, entry.Property(column.Name).OriginalValue, column.IsNullable));
        }

        fresh.CommandText = $"UPDATE {table.Quoted} SET {set} WHERE {where};";
        if (await ExecuteAsync(fresh, entry, cancellationToken) != 1)
        {
            throw new DbUpdateConcurrencyException(
                $"The {table.Name} row was changed or deleted by someone else since it was read.");
        }
    }

    private static async Task<int> ExecuteAsync(SqliteCommand fresh, EntityEntry entry, CancellationToken cancellationToken)
    {
        await using var command = SqliteStatementCache.Instance.Keep(fresh);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            // As SaveChanges reports it: a unique index's refusal is a lost race the write transaction retries.
            throw new DbUpdateException($"Saving a {entry.Metadata.DisplayName()} row failed: {e.Message}", e);
        }
    }

    private static readonly ConcurrentDictionary<int, string> ParameterNames = new();

    private static string Parameter(int index) => ParameterNames.GetOrAdd(index, i => $"@p{i}");

    /// <summary>The statements and column mappings of the model's tables the writer covers, computed once per model.</summary>
    private sealed class Plan
    {
        private readonly Dictionary<IEntityType, Table?> _tables = [];

        public Plan(IModel model)
        {
            foreach (var entityType in model.GetEntityTypes())
            {
                _tables[entityType] = Table.For(entityType);
            }
        }

        public Table? TableOf(IEntityType entityType) => _tables.GetValueOrDefault(entityType);
    }

    private sealed record Column(string Name, string Quoted, Type ClrType, RelationalTypeMapping Mapping, bool IsNullable, bool IsConcurrencyToken);

    private sealed class Table
    {
        private Table(string name, Column key, List<Column> columns)
        {
            Name = name;
            Quoted = Quote(name);
            Key = key;
            Columns = columns;
            Checked = [key, .. columns.Where(c => c != key && c.IsConcurrencyToken)];
            Insert = InsertOf(columns);
            InsertWithoutKey = InsertOf(columns.Where(c => c != key));
        }

        public string Name { get; }

        public string Quoted { get; }

        public Column Key { get; }

        public IReadOnlyList<Column> Columns { get; }

        /// <summary>The key and the concurrency tokens: what an UPDATE's WHERE checks.</summary>
        public IReadOnlyList<Column> Checked { get; }

        public string Insert { get; }

        public string InsertWithoutKey { get; }

        /// <summary>The table of an entity type the writer covers, else null.</summary>
        public static Table? For(IEntityType entityType)
        {
            if (entityType.IsOwned() || entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any()
                || entityType.GetTableName() is not { } tableName || entityType.GetSchema() is not null
                || entityType.FindPrimaryKey() is not { Properties: [var keyProperty] }
                || keyProperty.ClrType != typeof(long) && keyProperty.ClrType != typeof(int)
                || entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
            {
                return null;
            }

            var store = StoreObjectIdentifier.Table(tableName);
            if (entityType.GetMappingFragments().Any())
            {
                return null;
            }

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

                var column = new Column(property.Name, Quote(columnName), property.ClrType, mapping, property.IsColumnNullable(store), property.IsConcurrencyToken);
                columns.Add(column);
            }

            var key = columns.Single(c => c.Name == keyProperty.Name);
            return new Table(tableName, key, columns);
        }

        private string InsertOf(IEnumerable<Column> columns)
        {
            var list = columns.ToList();
            return $"INSERT INTO {Quoted} ({string.Join(", ", list.Select(c => c.Quoted))}) VALUES ({string.Join(", ", list.Select((_, i) => Parameter(i)))});";
        }

        private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
