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
    long PeakWorkingSetMb,
    int WarmUpMessages,
    double JitMilliseconds,
    double? ServerCpuMicrosecondsPerMessage,
    double? GateHeldMicrosecondsPerMessage);

/// <summary>
/// Intake throughput in-process: concurrent writers push messages through <see cref="IntakeService"/>,
/// one transaction each, half opening new tickets and half appending to an existing conversation.
/// </summary>
internal static class IntakeBenchmark
{
    /// <summary>The measured run's new senders, apart from the warm-up's.</summary>
    private const int RunSenders = 50_000_000;

    /// <param name="serverCpu">The database server's CPU so far, when it runs on this machine (its share of the same cores).</param>
    public static async Task<IntakeRun> RunAsync(DatabaseProvider provider, string? connectionString, int messages, int writers, Func<TimeSpan?>? serverCpu = null)
    {
        var settings = connectionString is null ? null : new Dictionary<string, string?> { ["ConnectionStrings:ServiceDesk"] = connectionString };
        await using var desk = await TestDesk.CreateAsync(provider, settings: settings);

        // Warm up: connection pools, the query cache and the JIT. A desk runs for days, so the figure that matters is
        // the steady state: tiered compilation re-compiles EF Core's and the intake's hot methods (instrumented, then
        // optimised) over the first few thousand messages, and in a short run that compiler thread was close to half
        // the process's CPU. Rounds continue until one compiles next to nothing; what the JIT still does during the
        // measured run is reported beside the result.
        var warmUp = await WarmUpAsync(desk, writers);
        desk.Scheduler.Drain();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var recorder = new LatencyRecorder(messages);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var serverCpuBefore = serverCpu?.Invoke();
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var gate = provider == DatabaseProvider.Sqlite ? desk.Services.GetRequiredService<SqliteWriteGate>() : null;
        var held = gate?.HeldTime;
        var clock = Stopwatch.StartNew();
        await DriveAsync(desk, "run", RunSenders, messages, writers, recorder);
        clock.Stop();
        var serverCpuAfter = serverCpu?.Invoke();
        var perMessage = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / messages;
        var heldDuringRun = gate?.HeldTime - held;
        var jitDuringRun = (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds;

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
            Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024),
            warmUp,
            Math.Round(jitDuringRun, 0),
            serverCpuAfter - serverCpuBefore is { } server ? Math.Round(server.TotalMicroseconds / messages, 0) : null,
            heldDuringRun is { } gateHeld ? Math.Round(gateHeld.TotalMicroseconds / messages, 0) : null);
    }

    /// <summary>Rounds of messages until the JIT is done with the hot path; returns how many messages that took.</summary>
    private static Task<int> WarmUpAsync(TestDesk desk, int writers) =>
        JitWarmUp.RunAsync(round => () => DriveAsync(desk, $"warm{round}", round * JitWarmUp.RoundSize, JitWarmUp.RoundSize, writers, recorder: null));

    /// <param name="firstSender">Where this drive's new senders start, so that each drive's new senders really are new.</param>
    private static async Task DriveAsync(TestDesk desk, string tag, int firstSender, int messages, int writers, LatencyRecorder? recorder)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var phone = $"+3460{writer:D2}{(firstSender >= RunSenders ? 1 : 0)}00000";
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
                var from = isNew ? $"+34{700000000 + firstSender + i}" : phone;
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
