using System.Globalization;
using System.Text;
using System.Text.Json;
using ServiceDesk.Bench;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

// Usage: ServiceDesk.Bench [--messages N] [--writers N] [--activities N] [--warmup N] [--webhooks N] [--concurrency N] [--queries N]
//                         [--email-messages N] [--jobs N] [--rate N] [--out DIR] [--only jobs|intake|teams|teams-sqlite|teams-postgresql|teams-typing|sms|sms-sqlite|sms-postgresql|email|knowledge|sqlite|postgresql]
// (sqlite/postgresql: the intake benchmark on that provider; the e-mail benchmark needs root for Postfix and Dovecot)
var messages = Argument("--messages", 6000);
var writers = Argument("--writers", 8);
var activities = Argument("--activities", 4000);
var concurrency = Argument("--concurrency", 16);
var warmup = Argument("--warmup", 3000);
var output = ArgumentText("--out") ?? Path.Combine("bench", "results");
var only = ArgumentText("--only")?.ToLowerInvariant();
var webhooks = Argument("--webhooks", 6000);
var emailMessages = Argument("--email-messages", 1000);
var machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
Directory.CreateDirectory(output);

if (only is null or "teams")
{
    await TeamsReport.WriteAsync(output, machine, activities, concurrency, warmup);
}
else if (only is "teams-sqlite" or "teams-postgresql")
{
    await TeamsReport.WriteAsync(output, machine, activities, concurrency, warmup, only == "teams-sqlite" ? DatabaseProvider.Sqlite : DatabaseProvider.PostgreSql);
}
else if (only is "teams-typing")
{
    await TeamsReport.WriteAsync(output, machine, activities, concurrency, warmup, DatabaseProvider.Sqlite, typingOnly: true);
}

if (only is null or "sms")
{
    await SmsReport.RunAsync(output, machine, webhooks, concurrency);
}
else if (only is "sms-sqlite" or "sms-postgresql")
{
    await SmsReport.RunAsync(output, machine, webhooks, concurrency, only == "sms-sqlite" ? DatabaseProvider.Sqlite : DatabaseProvider.PostgreSql);
}

if (only is "jobs")
{
    JobsBenchmark.Run(Argument("--jobs", 20_000), Argument("--rate", 1000));
    return 0;
}

if (only is null or "email")
{
    await EmailReport.WriteAsync(output, machine, emailMessages);
}

if (only is "teams" or "teams-sqlite" or "teams-postgresql" or "teams-typing" or "sms" or "sms-sqlite" or "sms-postgresql" or "email")
{
    return 0;
}

var runs = new List<IntakeRun>();
var loadBefore = SmsReport.LoadAverage();
if (only is null or "intake" or "sqlite")
{
    runs.Add(await Report(IntakeBenchmark.RunAsync(DatabaseProvider.Sqlite, null, messages, writers)));
}

if (only is null or "intake" or "postgresql")
{
    // A server of its own, durable as in production (fsync on).
    var server = await PostgresServer.StartAsync(durable: true);
    try
    {
        runs.Add(await Report(IntakeBenchmark.RunAsync(DatabaseProvider.PostgreSql, await server.CreateDatabaseAsync("bench"), messages, writers, server.CpuTime)));
    }
    finally
    {
        server.Stop();
    }
}

var measuredAt = DateTimeOffset.UtcNow;
var loadAfter = SmsReport.LoadAverage();
if (only is null or "knowledge")
{
    await KnowledgeBenchmark.WriteAsync(await KnowledgeBenchmark.RunAsync(Argument("--queries", 50_000)), output, machine, measuredAt);
}

if (runs.Count == 0)
{
    return 0;
}

await File.WriteAllTextAsync(
    Path.Combine(output, "intake.json"),
    JsonSerializer.Serialize(new { benchmark = "intake", measuredAt, machine, runs }, new JsonSerializerOptions { WriteIndented = true }));
var markdown = new StringBuilder()
    .AppendLine("# Intake throughput")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}. Half new tickets, half appends; one transaction per message; {writers} concurrent writers. Measured in the steady state, after warm-up rounds until the JIT had compiled the hot path (warm-up column); `JIT ms` is compilation still inside the measured run (on the process's background compiler thread, included in the CPU per message); `server CPU/msg` is the PostgreSQL server's own CPU (it runs on the same cores); `gate held/msg` is how long SQLite's single writer was taken (the in-process write gate, from the start of a write transaction to its commit, background checkpoints included), which bounds its throughput at 1 s / that.")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Load average of the machine before / after: {loadBefore} / {loadAfter} (shared with other builds: wall-clock figures move with it, CPU per message less so).")
    .AppendLine()
    .AppendLine("| provider | messages | msg/s | p50 ms | p90 ms | p99 ms | max ms | alloc/msg | app CPU/msg | gen0 | gen2 | peak WS MB | warm-up msgs | JIT ms | server CPU/msg | gate held/msg |")
    .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var run in runs)
{
    markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Provider} | {run.Messages} | {run.MessagesPerSecond} | {run.Latency.P50Ms:F2} | {run.Latency.P90Ms:F2} | {run.Latency.P99Ms:F2} | {run.Latency.MaxMs:F2} | {run.AllocatedBytesPerMessage / 1024.0:F1} KB | {run.CpuMicrosecondsPerMessage} µs | {run.Gen0Collections} | {run.Gen2Collections} | {run.PeakWorkingSetMb} | {run.WarmUpMessages} | {run.JitMilliseconds} | {(run.ServerCpuMicrosecondsPerMessage is { } server ? $"{server} µs" : "-")} | {(run.GateHeldMicrosecondsPerMessage is { } held ? $"{held} µs" : "-")} |");
}

await File.WriteAllTextAsync(Path.Combine(output, "intake.md"), markdown.ToString());
Console.WriteLine(markdown);
return 0;

static async Task<IntakeRun> Report(Task<IntakeRun> running)
{
    var run = await running;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Provider}: {run.MessagesPerSecond} msg/s, p50 {run.Latency.P50Ms:F2} ms, p99 {run.Latency.P99Ms:F2} ms, {run.CpuMicrosecondsPerMessage} µs CPU/msg, {run.AllocatedBytesPerMessage / 1024.0:F1} KB/msg, warm-up {run.WarmUpMessages} msgs, JIT in run {run.JitMilliseconds} ms, server CPU/msg {run.ServerCpuMicrosecondsPerMessage?.ToString(CultureInfo.InvariantCulture) ?? "-"} µs, gate held/msg {run.GateHeldMicrosecondsPerMessage?.ToString(CultureInfo.InvariantCulture) ?? "-"} µs"));
    return run;
}

int Argument(string name, int fallback) =>
    ArgumentText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? ArgumentText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
