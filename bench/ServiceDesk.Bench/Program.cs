using System.Globalization;
using System.Text;
using System.Text.Json;
using ServiceDesk.Bench;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

// Usage: ServiceDesk.Bench [--messages N] [--writers N] [--email-messages N] [--out DIR] [--only sqlite|postgresql|intake|email]
var messages = Argument("--messages", 6000);
var writers = Argument("--writers", 8);
var emailMessages = Argument("--email-messages", 1000);
var output = ArgumentText("--out") ?? Path.Combine("bench", "results");
var only = ArgumentText("--only")?.ToLowerInvariant();
if (only is "intake")
{
    only = null;
    emailMessages = 0;
}
else if (only is "email")
{
    messages = 0;
    only = null;
}

var machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
Directory.CreateDirectory(output);
if (messages > 0)
{
    await IntakeAsync();
}

if (emailMessages > 0)
{
    await EmailAsync();
}

return 0;

async Task IntakeAsync()
{
    var runs = new List<IntakeRun>();
    if (only is null or "sqlite")
    {
        runs.Add(await Report(IntakeBenchmark.RunAsync(DatabaseProvider.Sqlite, null, messages, writers)));
    }

    if (only is null or "postgresql")
    {
        // A server of its own, durable as in production (fsync on).
        var server = await PostgresServer.StartAsync(durable: true);
        try
        {
            runs.Add(await Report(IntakeBenchmark.RunAsync(DatabaseProvider.PostgreSql, await server.CreateDatabaseAsync("bench"), messages, writers)));
        }
        finally
        {
            server.Stop();
        }
    }

    var measuredAt = DateTimeOffset.UtcNow;
    await File.WriteAllTextAsync(
        Path.Combine(output, "intake.json"),
        JsonSerializer.Serialize(new { benchmark = "intake", measuredAt, machine, runs }, new JsonSerializerOptions { WriteIndented = true }));
    var markdown = new StringBuilder()
        .AppendLine("# Intake throughput")
        .AppendLine()
        .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}. Half new tickets, half appends; one transaction per message; {writers} concurrent writers.")
        .AppendLine()
        .AppendLine("| provider | messages | msg/s | p50 ms | p90 ms | p99 ms | max ms | alloc/msg | app CPU/msg | gen0 | gen2 | peak WS MB |")
        .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var run in runs)
    {
        markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Provider} | {run.Messages} | {run.MessagesPerSecond} | {run.Latency.P50Ms:F2} | {run.Latency.P90Ms:F2} | {run.Latency.P99Ms:F2} | {run.Latency.MaxMs:F2} | {run.AllocatedBytesPerMessage / 1024.0:F1} KB | {run.CpuMicrosecondsPerMessage} µs | {run.Gen0Collections} | {run.Gen2Collections} | {run.PeakWorkingSetMb} |");
    }

    await File.WriteAllTextAsync(Path.Combine(output, "intake.md"), markdown.ToString());
    Console.WriteLine(markdown);
}

async Task EmailAsync()
{
    // The machine may be shared: say how busy it was, as the numbers depend on it.
    var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0] : "unknown";
    var mail = await MailServer.StartAsync(new MailServerOptions());
    var runs = new List<EmailRun>();
    try
    {
        if (only is null or "sqlite")
        {
            runs.AddRange(await EmailBenchmark.RunAsync(DatabaseProvider.Sqlite, null, mail, emailMessages, live: true));
        }

        if (only is null or "postgresql")
        {
            var server = await PostgresServer.StartAsync(durable: true);
            try
            {
                runs.AddRange(await EmailBenchmark.RunAsync(DatabaseProvider.PostgreSql, await server.CreateDatabaseAsync("bench"), mail, emailMessages, live: true));
            }
            finally
            {
                server.Stop();
            }
        }
    }
    finally
    {
        mail.Stop();
    }

    var measuredAt = DateTimeOffset.UtcNow;
    await File.WriteAllTextAsync(
        Path.Combine(output, "email.json"),
        JsonSerializer.Serialize(new { benchmark = "email", measuredAt, machine, loadAverage = load, runs }, new JsonSerializerOptions { WriteIndented = true }));
    var markdown = new StringBuilder()
        .AppendLine("# E-mail channel throughput")
        .AppendLine()
        .AppendLine(CultureInfo.InvariantCulture, $"Measured {measuredAt:yyyy-MM-dd HH:mm} UTC on {machine}, load average {load} at the start, against Postfix and Dovecot on the same machine (loopback, no TLS).")
        .AppendLine("backlog: mails waiting in the desk's IMAP folder become tickets (fetch, parse, trim, intake with acknowledgement queued, MOVE, checkpoint), one reader.")
        .AppendLine("notifications: those acknowledgements go through the outbox dispatcher (claim, compose, SMTP, record), 4 concurrent jobs; latency per delivery.")
        .AppendLine("live: mails sent through Postfix while the reader idles; latency from the SMTP send to the ticket row.")
        .AppendLine()
        .AppendLine("| scenario | provider | messages | msg/s | p50 ms | p90 ms | p99 ms | max ms | app CPU/msg | peak WS MB |")
        .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var run in runs)
    {
        var latency = run.Latency is { } l ? FormattableString.Invariant($"{l.P50Ms:F1} | {l.P90Ms:F1} | {l.P99Ms:F1} | {l.MaxMs:F1}") : "– | – | – | –";
        markdown.AppendLine(CultureInfo.InvariantCulture, $"| {run.Scenario} | {run.Provider} | {run.Messages} | {run.PerSecond} | {latency} | {run.CpuMicrosecondsPerMessage} µs | {run.PeakWorkingSetMb} |");
    }

    await File.WriteAllTextAsync(Path.Combine(output, "email.md"), markdown.ToString());
    Console.WriteLine(markdown);
}

static async Task<IntakeRun> Report(Task<IntakeRun> running)
{
    var run = await running;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Provider}: {run.MessagesPerSecond} msg/s, p50 {run.Latency.P50Ms:F2} ms, p99 {run.Latency.P99Ms:F2} ms, {run.CpuMicrosecondsPerMessage} µs CPU/msg"));
    return run;
}

int Argument(string name, int fallback) =>
    ArgumentText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? ArgumentText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
