using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

internal sealed record KnowledgeRun(string Path, int Articles, int Queries, double QueriesPerSecond, LatencySummary Latency, long AllocatedBytesPerQuery);

/// <summary>
/// Knowledge search latency: the in-memory BM25 index alone, and the bot's whole lookup through
/// <see cref="KnowledgeSearch"/> (the fingerprint query to the database, then the index), one caller at a time.
/// </summary>
internal static class KnowledgeBenchmark
{
    // What users type, in both languages, some with nothing to find.
    private static readonly (string Query, string Language)[] Queries =
    [
        ("I forgot my password and cannot sign in", "en"),
        ("My VPN does not connect from home since this morning", "en"),
        ("the printer on floor 2 is offline", "en"),
        ("microphone not working in Teams meetings", "en"),
        ("the coffee machine is empty", "en"),
        ("he olvidado la contraseña del correo", "es"),
        ("Outlook no recibe correos desde ayer", "es"),
        ("mi portátil no enciende ni carga", "es"),
        ("no puedo conectarme al wifi de la oficina", "es"),
        ("la pantalla externa no da señal con la base", "es"),
    ];

    public static async Task<IReadOnlyList<KnowledgeRun>> RunAsync(int queries)
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var runs = new List<KnowledgeRun>();
        await desk.InScopeAsync(async sp =>
        {
            var search = sp.GetRequiredService<KnowledgeSearch>();
            var index = new Bm25Index(KnowledgeSeeder.Load().SelectMany(s => new[]
            {
                new KnowledgeEntry(0, s.Slug, "en", s.En.Title, s.En.Body, s.En.Keywords.Split(','), s.Service),
                new KnowledgeEntry(0, s.Slug, "es", s.Es.Title, s.Es.Body, s.Es.Keywords.Split(','), s.Service),
            }));
            runs.Add(await MeasureAsync("BM25 index in memory", index.Count, queries, q => Task.FromResult(index.Search(q.Query, q.Language, 3).Count)));
            runs.Add(await MeasureAsync("KnowledgeSearch on SQLite (fingerprint + index)", index.Count, queries / 10, async q => (await search.SearchAsync(q.Query, q.Language, 3, CancellationToken.None)).Count));
        });
        return runs;
    }

    public static async Task WriteAsync(IReadOnlyList<KnowledgeRun> runs, string output, string machine, DateTimeOffset measuredAt)
    {
        await File.WriteAllTextAsync(
            Path.Combine(output, "knowledge.json"),
            JsonSerializer.Serialize(new { benchmark = "knowledge", measuredAt, machine, runs }, new JsonSerializerOptions { WriteIndented = true }));
        var markdown = new StringBuilder()
            .AppendLine("# Knowledge search")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}. The seeded articles (both languages), ten typical queries in turn, top 3, one caller.")
            .AppendLine()
            .AppendLine("| path | articles | queries | queries/s | p50 µs | p90 µs | p99 µs | max µs | alloc/query |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Path} | {run.Articles} | {run.Queries} | {run.QueriesPerSecond} | {run.Latency.P50Ms * 1000:F0} | {run.Latency.P90Ms * 1000:F0} | {run.Latency.P99Ms * 1000:F0} | {run.Latency.MaxMs * 1000:F0} | {run.AllocatedBytesPerQuery / 1024.0:F1} KB |");
        }

        await File.WriteAllTextAsync(Path.Combine(output, "knowledge.md"), markdown.ToString());
        Console.WriteLine(markdown);
    }

    private static async Task<KnowledgeRun> MeasureAsync(string path, int articles, int queries, Func<(string Query, string Language), Task<int>> search)
    {
        for (var i = 0; i < Math.Min(queries, 500); i++)
        {
            await search(Queries[i % Queries.Length]);
        }

        GC.Collect();
        var recorder = new LatencyRecorder(queries);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < queries; i++)
        {
            var query = Queries[i % Queries.Length];
            await recorder.TimeAsync(() => search(query));
        }

        clock.Stop();
        return new KnowledgeRun(
            path,
            articles,
            queries,
            Math.Round(queries / clock.Elapsed.TotalSeconds, 0),
            recorder.Summarise(),
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / queries);
    }
}
