using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// What the row writers (<see cref="SqliteRowWriter"/>, <see cref="PostgresRowWriter"/>) share: which saves they may take
/// from SaveChanges, the rows in the order SaveChanges writes them, the model's tables and columns, and the save reported
/// as SaveChanges reports it.
/// </summary>
internal static class RowWriting
{
    private static readonly ConditionalWeakTable<IModel, Plan> Plans = [];

    /// <summary>
    /// The added and changed rows of a save inside the context's current transaction, in the order SaveChanges writes them,
    /// after one change detection (as SaveChanges runs it). Null when the save is left to SaveChanges: another provider, no
    /// transaction, SaveChanges interceptors (they may suppress the save or a concurrency failure, which EF raises with its
    /// internal update entries) or handlers on the context's SaveChanges events (only DbContext can raise them), deletions,
    /// rows of a table the plan does not cover or that <paramref name="covers"/> refuses, nothing to write.
    /// </summary>
    public static List<(EntityEntry Entry, Table Table)>? Pending(
        ServiceDeskDbContext db, DatabaseProvider provider, Func<EntityEntry, Table, bool> covers)
    {
        if (db.Provider != provider
            || db.Database.CurrentTransaction is null
            || db.GetService<IDiagnosticsLogger<DbLoggerCategory.Update>>().Interceptors?.Aggregate<ISaveChangesInterceptor>() is not null
            || SaveChangesEvents.MayBeHandled(db))
        {
            return null;
        }

        var plan = PlanOf(db);
        var pending = new List<(EntityEntry Entry, Table Table)>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached)
            {
                continue;
            }

            if (entry.State == EntityState.Deleted || plan.TableOf(entry.Metadata) is not { } table || !covers(entry, table))
            {
                return null;
            }

            pending.Add((entry, table));
        }

        return pending.Count == 0 ? null : Order(pending);
    }

    /// <summary>
    /// Runs a writer's statements for <paramref name="rows"/> rows as a save, reported as SaveChanges reports itself (log and
    /// diagnostics; there is no interceptor to ask, see <see cref="Pending"/>), then accepts the changes as SaveChanges does.
    /// Nothing in <paramref name="write"/> changes entities except the keys the database gives, so change detection is off.
    /// </summary>
    public static async Task SaveAsync(ServiceDeskDbContext db, int rows, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var updateLogger = db.GetService<IDiagnosticsLogger<DbLoggerCategory.Update>>();
        await updateLogger.SaveChangesStartingAsync(db, cancellationToken);
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await write(cancellationToken);
            db.ChangeTracker.AcceptAllChanges();
            await updateLogger.SaveChangesCompletedAsync(db, rows, cancellationToken);
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
    }

    /// <summary>The model's tables and statements, computed once per model .</summary>
    private static Plan PlanOf(ServiceDeskDbContext db) =>
        Plans.GetValue(db.Model, _ => new Plan(db.Model, db.GetService<IRelationalCommandBuilderFactory>()));

    /// <summary>
    /// The order SaveChanges writes the rows in: by how many added rows they wait for (a row after those it names), then by
    /// table, state and key, so that the database gives the keys it gives in the order SaveChanges would have. Null when the rows name
    /// each other in a cycle.
    /// </summary>
    private static List<(EntityEntry Entry, Table Table)>? Order(List<(EntityEntry Entry, Table Table)> pending)
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

    /// <summary>
    /// Whether the context's own SaveChanges events may have handlers, which only DbContext can raise: read from the events'
    /// fields. Should those fields not be found (another EF version), every save is left to SaveChanges, which the tests notice.
    /// </summary>
    private static class SaveChangesEvents
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
        private readonly List<Column> _columnsButKey;

        private Table(string name, Column key, List<Column> columns, IRelationalCommandBuilderFactory commands)
        {
            _commands = commands;
            Name = name;
            Quoted = Quote(name);
            Key = key;
            Columns = columns;
            Checked = [key, .. columns.Where(c => c != key && c.Property.IsConcurrencyToken)];
            _columnsButKey = [.. columns.Where(c => c != key)];
            Insert = InsertOf(returningKey: false);
            InsertReturningKey = InsertOf(returningKey: true);
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
            var index = 0;
            AppendUpdate(builder, set, ref index);
            return builder.AppendLine().Append("RETURNING 1;").Build();
        });

        /// <summary>
        /// Appends the INSERT of a row, without the key when the database gives it (then returned), its parameters numbered on
        /// from <paramref name="index"/>; the terminator is the caller's.
        /// </summary>
        public void AppendInsert(IRelationalCommandBuilder builder, bool returningKey, ref int index)
        {
            IReadOnlyList<Column> columns = returningKey ? _columnsButKey : Columns;
            builder.Append($"INSERT INTO {Quoted} ({string.Join(", ", columns.Select(c => c.Quoted))})").AppendLine();
            builder.Append("VALUES (");
            for (var c = 0; c < columns.Count; c++)
            {
                builder.Append(c == 0 ? "" : ", ").Append(Parameters.Name(index));
                Add(builder, columns[c], index++);
            }

            builder.Append(")");
            if (returningKey)
            {
                builder.AppendLine().Append($"RETURNING {Key.Quoted}");
            }
        }

        /// <summary>
        /// Appends the UPDATE of the columns whose bits <paramref name="changed"/> sets, checking the key and concurrency tokens
        /// the row was read with, its parameters numbered on from <paramref name="index"/>; the rest is the caller's.
        /// </summary>
        public void AppendUpdate(IRelationalCommandBuilder builder, ulong changed, ref int index)
        {
            builder.Append($"UPDATE {Quoted} SET ");
            AppendEach(builder, Columns.Where((_, c) => (changed & (1UL << c)) != 0), ", ", ref index);
            builder.AppendLine().Append("WHERE ");
            AppendEach(builder, Checked, " AND ", ref index);
        }

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

        private IRelationalCommandTemplate InsertOf(bool returningKey)
        {
            var builder = _commands.Create();
            var index = 0;
            AppendInsert(builder, returningKey, ref index);
            return builder.Append(";").Build();
        }

        /// <summary>Appends "column = parameter" for each column, <paramref name="separator"/> between them.</summary>
        private static void AppendEach(IRelationalCommandBuilder builder, IEnumerable<Column> columns, string separator, ref int index)
        {
            var first = true;
            foreach (var column in columns)
            {
                builder.Append(first ? "" : separator).Append($"{column.Quoted} = {Parameters.Name(index)}");
                Add(builder, column, index++);
                first = false;
            }
        }

        private static void Add(IRelationalCommandBuilder builder, Column column, int index) =>
            builder.AddParameter(Parameters.Invariant(index), Parameters.Name(index), column.Mapping, column.IsNullable, ParameterDirection.Input);

        private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}
