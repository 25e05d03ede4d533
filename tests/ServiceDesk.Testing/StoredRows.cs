using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Testing;

/// <summary>What a desk stores, for tests that compare two ways of writing the same rows.</summary>
public static class StoredRows
{
    /// <summary>Every row of every table, as the database returns it (its types, nulls), in key order.</summary>
    public static Task<Dictionary<string, List<string>>> DumpAsync(TestDesk desk) => desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var dump = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i =>
                    $"{reader.GetName(i)}={(reader.IsDBNull(i) ? "NULL" : $"{reader.GetFieldType(i).Name}:{Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)}")}")));
            }

            dump[table] = rows;
        }

        return dump;
    });
}
