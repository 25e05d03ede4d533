using System.Globalization;
using System.Text;
using System.Text.Json;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

/// <summary>Runs the Teams benchmark on SQLite (the embedded default) and PostgreSQL and writes bench/results/teams.{md,json}.</summary>
internal static class TeamsReport
{
    private const double GoalPerSecond = 1000;
    private const double GoalP99Ms = 100;
    private const long GoalRssMb = 300;

    /// <param name="provider">Only the message run on this database (a quick before/after while tuning); null for the full report.</param>
    /// <param name="typingOnly">Only the typing run (on SQLite): the channel's own cost, for a quick before/after of the host and the Teams adapter.</param>
    public static async Task WriteAsync(string output, string machine, int activities, int concurrency, int warmup, DatabaseProvider? provider = null, bool typingOnly = false)
    {
        // The machine is shared: say how busy it was, since every number below depends on it.
        var loadBefore = LoadAverage();
        var runs = new List<TeamsRun>();
        if (!typingOnly && provider is null or DatabaseProvider.Sqlite)
        {
            runs.Add(Print(await TeamsBenchmark.RunAsync(DatabaseProvider.Sqlite, null, "message", activities, concurrency, warmup)));
        }

        if (provider is null || typingOnly)
        {
            // The same requests as typing activities: authenticated and routed, stored nowhere — what the channel itself costs.
            runs.Add(Print(await TeamsBenchmark.RunAsync(DatabaseProvider.Sqlite, null, "typing", activities, concurrency, warmup)));
        }

        if (!typingOnly && provider is null or DatabaseProvider.PostgreSql)
        {
            var server = await PostgresServer.StartAsync(durable: true);
            try
            {
                runs.Add(Print(await TeamsBenchmark.RunAsync(DatabaseProvider.PostgreSql, await server.CreateDatabaseAsync("benchteams"), "message", activities, concurrency, warmup, server.CpuTime)));
            }
            finally
            {
                server.Stop();
            }
        }

        var measuredAt = DateTimeOffset.UtcNow;
        var load = $"{loadBefore} before, {LoadAverage()} after (1-minute load average)";
        var goals = new { activitiesPerSecond = GoalPerSecond, p99Ms = GoalP99Ms, rssMb = GoalRssMb };
        await File.WriteAllTextAsync(
            Path.Combine(output, "teams.json"),
            JsonSerializer.Serialize(new { benchmark = "teams", measuredAt, machine, load, goals, warmup, runs }, new JsonSerializerOptions { WriteIndented = true }));

        var markdown = new StringBuilder()
            .AppendLine("# Teams activities end to end")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}; machine load {load}.")
            .AppendLine()
            .AppendLine("The desk runs as its own process (Release build, Kestrel on 127.0.0.1, production settings). Each activity is a")
            .AppendLine("personal-chat message from a new user with a Bot Framework JWT (RS256, signed by a test key and checked against a")
            .AppendLine("local OpenID metadata endpoint with endorsements and the serviceurl claim); it opens a new ticket, and the bot's")
            .AppendLine("reply is posted to a local Bot Connector stub before `/api/messages` answers 200. Latency is POST to 200 as the")
            .AppendLine(CultureInfo.InvariantCulture, $"channel sees it, with {concurrency} concurrent requests, after unmeasured warm-up activities: at least {warmup}, then rounds of 500 until the desk's background (tiered) compiler took under 2% of its CPU, so that the measured run is the steady state (PostgreSQL's hot path spans more methods and needs more rounds). `JIT ms` is that compiler's CPU still inside the measured run. Load generator, token authority and Connector stub share the machine with the desk.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Goal: ≥ {GoalPerSecond:F0} activities/s, p99 < {GoalP99Ms:F0} ms, RSS < {GoalRssMb} MB.")
            .AppendLine()
            .AppendLine("`message` rows are the goal's workload. The `typing` row sends the same authenticated requests as typing")
            .AppendLine("activities, which the desk validates and routes but does not store or answer: the cost of the channel itself.")
            .AppendLine()
            .AppendLine("| database | activity | count | activities/s | p50 ms | p90 ms | p99 ms | max ms | failures | replies at connector | desk CPU ms/activity | database CPU ms/activity | desk peak RSS MB | warm-up activities | JIT ms | goal met |")
            .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var run in runs)
        {
            var met = run.Activity == "message" && run.ActivitiesPerSecond >= GoalPerSecond && run.Latency.P99Ms < GoalP99Ms && run.ServerPeakRssMb < GoalRssMb && run.Failures == 0;
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Provider} | {run.Activity} | {run.Activities} | {run.ActivitiesPerSecond} | {run.Latency.P50Ms:F2} | {run.Latency.P90Ms:F2} | {run.Latency.P99Ms:F2} | {run.Latency.MaxMs:F2} | {run.Failures} | {run.RepliesAtConnector} | {run.ServerCpuMillisecondsPerActivity:F2} | {(run.DatabaseCpuMillisecondsPerActivity is { } database ? database.ToString("F2", CultureInfo.InvariantCulture) : "-")} | {run.ServerPeakRssMb} | {run.WarmUpActivities} | {run.JitMilliseconds} | {(run.Activity != "message" ? "n/a" : met ? "yes" : "no")} |");
        }

        await File.WriteAllTextAsync(Path.Combine(output, "teams.md"), markdown.ToString());
        Console.WriteLine(markdown);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static TeamsRun Print(TeamsRun run)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"teams/{run.Provider}/{run.Activity}: {run.ActivitiesPerSecond} activities/s, p50 {run.Latency.P50Ms:F2} ms, p99 {run.Latency.P99Ms:F2} ms, desk CPU {run.ServerCpuMillisecondsPerActivity:F2} ms/activity, database CPU {run.DatabaseCpuMillisecondsPerActivity?.ToString("F2", CultureInfo.InvariantCulture) ?? "-"} ms/activity, peak RSS {run.ServerPeakRssMb} MB, {run.Failures} failures"));
        return run;
    }
}
