using System.Globalization;
using System.Text;
using System.Text.Json;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

/// <summary>The e-mail channel against a real Postfix + Dovecot on this machine, on SQLite and PostgreSQL.</summary>
internal static class EmailReport
{
    public static async Task WriteAsync(string output, string machine, int emailMessages)
    {
        // The machine may be shared: say how busy it was, as the numbers depend on it.
        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0] : "unknown";
        var mail = await MailServer.StartAsync(new MailServerOptions());
        var runs = new List<EmailRun>();
        try
        {
            runs.AddRange(await EmailBenchmark.RunAsync(DatabaseProvider.Sqlite, null, mail, emailMessages, live: true));
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
}
