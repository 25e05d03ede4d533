extern alias host;

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.States;
using host::ServiceDesk.Bot.Jobs;

namespace ServiceDesk.Bench;

/// <summary>
/// The cost of one outbox-style Hangfire job on the in-memory storage (the desk's with SQLite): enqueue alone (an
/// expression per call, as Hangfire's samples do, against a job built from a cached method), then end to end (enqueue,
/// fetch, run a no-op delivery, state changes) at a steady rate for several worker counts, and the memory a succeeded
/// job holds in the storage until it expires. CPU and allocations per job are the figures to compare on a shared machine.
/// End to end runs alternate Hangfire's default global filters with the desk's (<see cref="DeskJobFilters"/>).
/// </summary>
internal static class JobsBenchmark
{
    public static void Run(int jobs, int rate)
    {
        Console.WriteLine($"Jobs benchmark: {jobs} jobs, {rate} jobs/s, load {SmsReport.LoadAverage()}");
        MeasureEnqueue("expression per call", jobs, (client, id) => client.Enqueue<NoOpDelivery>(j => j.RunAsync(id, CancellationToken.None)));
        MeasureEnqueue("job from cached method", jobs, (client, id) => client.Create(new Job(typeof(NoOpDelivery), NoOpDelivery.Method, id, CancellationToken.None), new EnqueuedState("outbox")));
        MeasureEnqueue("expression per call", jobs, (client, id) => client.Enqueue<NoOpDelivery>(j => j.RunAsync(id, CancellationToken.None)));
        MeasureEnqueue("job from cached method", jobs, (client, id) => client.Create(new Job(typeof(NoOpDelivery), NoOpDelivery.Method, id, CancellationToken.None), new EnqueuedState("outbox")));
        var defaults = GlobalJobFilters.Filters.Select(f => (f.Instance, f.Order)).ToList();
        foreach (var desk in new[] { false, true, false, true, false, true })
        {
            GlobalJobFilters.Filters.Clear();
            foreach (var (filter, order) in defaults)
            {
                GlobalJobFilters.Filters.Add(filter, order);
            }

            if (desk)
            {
                DeskJobFilters.TrimDefaults(GlobalJobFilters.Filters);
            }

            MeasureEndToEnd(desk ? "the desk's filters" : "Hangfire's default filters", 8, jobs, rate);
        }
    }

    private static void MeasureEnqueue(string how, int jobs, Action<IBackgroundJobClient, long> enqueue)
    {
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage);
        for (var i = 0; i < 1000; i++)
        {
            enqueue(client, i);
        }

        var (cpu, allocated) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(true));
        for (var i = 0; i < jobs; i++)
        {
            enqueue(client, i);
        }

        var cpuPerJob = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / jobs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"enqueue, {how}: {cpuPerJob:F1} µs CPU/job, {(GC.GetTotalAllocatedBytes(true) - allocated) / jobs} B/job"));
    }

    private static void MeasureEndToEnd(string filters, int workers, int jobs, int rate)
    {
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage);
        var activator = new NoOpActivator(jobs);
        using (var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, Queues = ["outbox", "default"], Activator = activator }, storage))
        {
            RunPaced(client, activator, 0, 1000, rate); // warm-up
            GC.Collect();
            var heldBefore = GC.GetTotalMemory(true);
            var (cpu, allocated, started) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(true), Stopwatch.GetTimestamp());
            RunPaced(client, activator, 1000, jobs, rate);
            var cpuPerJob = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / jobs;
            var allocatedPerJob = (GC.GetTotalAllocatedBytes(true) - allocated) / jobs;
            var elapsed = Stopwatch.GetElapsedTime(started);
            var heldPerJob = (GC.GetTotalMemory(true) - heldBefore) / jobs;
            var latencies = activator.Latencies(1000, jobs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"end to end, {workers} workers, {filters}: {cpuPerJob:F1} µs CPU/job, {allocatedPerJob} B/job, {heldPerJob} B held/succeeded job, enqueue-to-run p50 {Percentile(latencies, 0.5):F2} ms p99 {Percentile(latencies, 0.99):F2} ms, {jobs / elapsed.TotalSeconds:F0} jobs/s, load {SmsReport.LoadAverage()}"));
        }
    }

    // Enqueues at a steady rate (as deliveries come in, not all at once) and waits until every job has run.
    private static void RunPaced(IBackgroundJobClient client, NoOpActivator activator, int first, int count, int rate)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            while (Stopwatch.GetElapsedTime(started) < due)
            {
                Thread.Sleep(1);
            }

            activator.Enqueued[first + i] = Stopwatch.GetTimestamp();
            client.Create(new Job(typeof(NoOpDelivery), NoOpDelivery.Method, first + i, CancellationToken.None), new EnqueuedState("outbox"));
        }

        activator.WaitFor(first + count);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)];

    internal sealed class NoOpDelivery(NoOpActivator activator)
    {
        public static readonly MethodInfo Method = typeof(NoOpDelivery).GetMethod(nameof(RunAsync))!;

        [Queue("outbox")]
        [AutomaticRetry(Attempts = 5)]
        public Task RunAsync(long outboxId, CancellationToken cancellationToken)
        {
            activator.Ran(outboxId);
            return Task.CompletedTask;
        }
    }

    internal sealed class NoOpActivator : JobActivator
    {
        private readonly long[] _ran;
        private int _count;

        public NoOpActivator(int jobs)
        {
            Enqueued = new long[jobs + 1000];
            _ran = new long[jobs + 1000];
        }

        public long[] Enqueued { get; }

        public override object ActivateJob(Type jobType) => new NoOpDelivery(this);

        public void Ran(long id)
        {
            _ran[id] = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _count);
        }

        public void WaitFor(int count) => SpinWait.SpinUntil(() => Volatile.Read(ref _count) >= count, TimeSpan.FromMinutes(5));

        public double[] Latencies(int from, int count) =>
            Enumerable.Range(from, count).Select(i => Stopwatch.GetElapsedTime(Enqueued[i], _ran[i]).TotalMilliseconds).Order().ToArray();
    }
}
