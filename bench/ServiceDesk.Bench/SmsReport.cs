using System.Globalization;
using System.Text;
using System.Text.Json;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

/// <summary>Runs the SMS webhook benchmark on SQLite and PostgreSQL (or on one of them) and writes <c>sms.md</c> and <c>sms.json</c>.</summary>
internal static class SmsReport
{
    public const double GoalPerSecond = 1500;
    public const double GoalP99Ms = 50;

    public static async Task RunAsync(string output, string machine, int webhooks, int concurrency, DatabaseProvider? only = null)
    {
        var loadBefore = LoadAverage();
        var runs = new List<SmsRun>();
        var sqlite = Path.Combine(Path.GetTempPath(), "servicedesk-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(sqlite);
        try
        {
            if (only is null or DatabaseProvider.Sqlite)
            {
                runs.Add(Print(await SmsWebhookBenchmark.RunAsync(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(sqlite, "desk.db")}", webhooks, concurrency)));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(sqlite, recursive: true);
        }

        if (only is null or DatabaseProvider.PostgreSql)
        {
            var server = await PostgresServer.StartAsync(durable: true);
            try
            {
                runs.Add(Print(await SmsWebhookBenchmark.RunAsync(DatabaseProvider.PostgreSql, await server.CreateDatabaseAsync("smsbench"), webhooks, concurrency)));
            }
            finally
            {
                server.Stop();
            }
        }

        var measuredAt = DateTimeOffset.UtcNow;
        await File.WriteAllTextAsync(
            Path.Combine(output, "sms.json"),
            JsonSerializer.Serialize(new { benchmark = "sms-webhooks", measuredAt, machine, goal = new { webhooksPerSecond = GoalPerSecond, p99Ms = GoalP99Ms }, runs }, new JsonSerializerOptions { WriteIndented = true }));
        var markdown = new StringBuilder()
            .AppendLine("# SMS webhooks end to end")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}. Signed Twilio inbound-SMS webhooks over HTTP on loopback (Kestrel), {concurrency} concurrent clients in the same process; each validated, handled by the chat bot (intake, one transaction) and answered with TwiML. Half new numbers, half returning ones. Goal: {GoalPerSecond:F0} webhooks/s with p99 under {GoalP99Ms:F0} ms.")
            .AppendLine()
            .AppendLine("| provider | webhooks | webhooks/s | p50 ms | p90 ms | p99 ms | max ms | failures | alloc/webhook | CPU/webhook | gen0 | gen2 | peak WS MB | warm-up webhooks | JIT ms |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Provider} | {run.Webhooks} | {run.WebhooksPerSecond} | {run.Latency.P50Ms:F2} | {run.Latency.P90Ms:F2} | {run.Latency.P99Ms:F2} | {run.Latency.MaxMs:F2} | {run.Failures} | {run.AllocatedBytesPerWebhook / 1024.0:F1} KB | {run.CpuMicrosecondsPerWebhook} µs | {run.Gen0Collections} | {run.Gen2Collections} | {run.PeakWorkingSetMb} | {run.WarmUpWebhooks} | {run.JitMilliseconds} |");
        }

        markdown.AppendLine()
            .AppendLine("Allocation and CPU per webhook include the load-generating client, which runs in the same process. Measured in the steady state, after warm-up rounds until the JIT had compiled the hot path; `JIT ms` is compilation still inside the measured run.")
            .AppendLine()
            .AppendLine("Where the CPU goes (same host, in-process, no HTTP): the SMS handling (keywords, contact lookup, chat bot, TwiML) and the chat bot alone (intake transaction plus the bot's own queries); signature validation per request.")
            .AppendLine()
            .AppendLine("| provider | whole webhook over HTTP | SMS handling | chat bot alone | signature check |")
            .AppendLine("|---|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Provider} | {run.CpuMicrosecondsPerWebhook} µs | {run.Breakdown.ConversationCpuMicroseconds} µs | {run.Breakdown.BotCpuMicroseconds} µs | {run.Breakdown.SignatureMicroseconds} µs |");
        }

        markdown.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Load average of the machine before / after: {loadBefore} / {LoadAverage()} (it is shared with other builds; wall-clock figures move with it, CPU per webhook much less).");
        await File.WriteAllTextAsync(Path.Combine(output, "sms.md"), markdown.ToString());
        Console.WriteLine(markdown);
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static SmsRun Print(SmsRun run)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SMS {run.Provider}: {run.WebhooksPerSecond} webhooks/s, p50 {run.Latency.P50Ms:F2} ms, p99 {run.Latency.P99Ms:F2} ms, {run.Failures} failures, {run.CpuMicrosecondsPerWebhook} µs CPU/webhook"));
        return run;
    }
}
