using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

internal sealed record IntakeRun(
    string Provider,
    int Messages,
    int Writers,
    double Seconds,
    double MessagesPerSecond,
    LatencySummary Latency,
    long AllocatedBytesPerMessage,
    double CpuMicrosecondsPerMessage,
    int Gen0Collections,
    int Gen2Collections,
    long PeakWorkingSetMb);

/// <summary>
/// Intake throughput in-process: concurrent writers push messages through <see cref="IntakeService"/>,
/// one transaction each, half opening new tickets and half appending to an existing conversation.
/// </summary>
internal static class IntakeBenchmark
{
    public static async Task<IntakeRun> RunAsync(DatabaseProvider provider, string? connectionString, int messages, int writers)
    {
        var settings = connectionString is null ? null : new Dictionary<string, string?> { ["ConnectionStrings:ServiceDesk"] = connectionString };
        await using var desk = await TestDesk.CreateAsync(provider, settings: settings);

        // Warm up: JIT, connection pools, the query cache.
        await DriveAsync(desk, "warm", Math.Min(400, messages / 5), writers, recorder: null);
        desk.Scheduler.Drain();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var recorder = new LatencyRecorder(messages);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await DriveAsync(desk, "run", messages, writers, recorder);
        clock.Stop();
        var perMessage = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / messages;

        // This process's CPU per message: steadier than wall time when the machine is shared (excludes a database server's own CPU).
        var cpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / messages;

        return new IntakeRun(
            provider.ToString(),
            messages,
            writers,
            Math.Round(clock.Elapsed.TotalSeconds, 2),
            Math.Round(messages / clock.Elapsed.TotalSeconds, 0),
            recorder.Summarise(),
            perMessage,
            Math.Round(cpuPerMessage, 0),
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(2) - gen2,
            Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024));
    }

    private static async Task DriveAsync(TestDesk desk, string tag, int messages, int writers, LatencyRecorder? recorder)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var phone = $"+3460{writer:D2}{tag.Length:D1}00000";
            var sequence = 0;
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= messages)
                {
                    return;
                }

                // Even: a new person opens a ticket. Odd: the writer's regular sender follows up in its conversation.
                var isNew = i % 2 == 0;
                var from = isNew ? $"+34{700000000 + i}" : phone;
                var message = new InboundMessage
                {
                    Channel = Channel.Sms,
                    ExternalId = $"{tag}-{writer}-{sequence++}",
                    SenderAddress = from,
                    ConversationKey = $"{from}|+34900000000",
                    Text = isNew ? $"My laptop will not start ({i})" : $"More details ({i})",
                };
                await using var scope = desk.Services.CreateAsyncScope();
                var intake = scope.ServiceProvider.GetRequiredService<IntakeService>();
                if (recorder is null)
                {
                    await intake.ReceiveAsync(message, CancellationToken.None);
                }
                else
                {
                    await recorder.TimeAsync(() => intake.ReceiveAsync(message, CancellationToken.None));
                }
            }
        })));
    }
}
