using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.Bench;

internal sealed record TeamsRun(
    string Provider,
    string Activity,
    int Activities,
    int Concurrency,
    double Seconds,
    double ActivitiesPerSecond,
    LatencySummary Latency,
    int Failures,
    int RepliesAtConnector,
    double ServerCpuMillisecondsPerActivity,
    long ServerPeakRssMb,
    long ServerRssAfterMb,
    double? DatabaseCpuMillisecondsPerActivity,
    int WarmUpActivities,
    double JitMilliseconds);

/// <summary>
/// Authenticated Teams activities end to end over real HTTP: the desk runs as its own process (Kestrel on
/// loopback, Release build, production settings); each activity carries a JWT signed by a test key that the
/// desk checks against a local OpenID metadata endpoint; each one opens a new ticket and the desk's reply
/// goes to a local Bot Connector stub before the request completes. Latency is the channel's view: POST
/// to 200.
/// </summary>
internal static class TeamsBenchmark
{
    private const int WarmUpRound = 500;
    private const int MaxWarmUpRounds = 30;

    /// <summary>The share of the desk's CPU its tiered compiler may still take in the last warm-up round.</summary>
    private const double MaxCompilingShare = 0.02;

    /// <param name="kind"><c>message</c> (a new ticket and a reply), or <c>typing</c>: authenticated and routed but stored nowhere, the channel's own cost.</param>
    /// <param name="warmup">Activities sent before the measured run, not counted.</param>
    /// <param name="databaseCpu">The database server's CPU so far, when it runs on this machine.</param>
    public static async Task<TeamsRun> RunAsync(DatabaseProvider provider, string? connectionString, string kind, int activities, int concurrency, int warmup, Func<TimeSpan?>? databaseCpu = null)
    {
        await using var authority = await BotFrameworkAuthority.StartAsync();
        await using var connector = await ConnectorStub.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), "servicedesk-bench-teams", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var address = $"http://127.0.0.1:{port}";
        using var server = StartDesk(address, provider, connectionString ?? $"Data Source={Path.Combine(folder, "desk.db")}", authority, folder);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = new Uri(address),
                Timeout = TimeSpan.FromSeconds(30),
            };
            await WaitUntilReadyAsync(http, server);

            // Azure Bot Service reuses one token for many activities; minting is the channel's cost, not the desk's.
            var token = authority.MintChannelToken(connector.ServiceUrl, expires: DateTimeOffset.UtcNow.AddHours(1));

            // Warm up: pools, the OpenID metadata, the Connector token, and the JIT. Tiered compilation keeps
            // recompiling hot methods for thousands of activities: each hot method runs as tier-0 code, then as
            // instrumented code (whose profiling probes cost a third of the desk's CPU on PostgreSQL after 3,000
            // activities), until the one background compiler thread, competing with the busy request threads, has
            // compiled it for good. The measured run is the desk in its steady state, as it runs for days: rounds
            // continue after the given warm-up until that thread is nearly idle.
            await DriveAsync(http, token, connector.ServiceUrl, kind, "warm", warmup, concurrency, recorder: null);
            var warmedUp = warmup;
            for (var round = 0; round < MaxWarmUpRounds; round++)
            {
                var (roundCpu, roundJit) = (ServerCpu(server), TieredCompilerTicks(server.Id));
                await DriveAsync(http, token, connector.ServiceUrl, kind, $"warm{round}", WarmUpRound, concurrency, recorder: null);
                warmedUp += WarmUpRound;
                var compiling = TieredCompilerCpuSince(server.Id, roundJit) / (ServerCpu(server) - roundCpu);
                if (compiling < MaxCompilingShare)
                {
                    break;
                }
            }

            // A mark for whoever profiles the desk (its pid) meanwhile: from here on it is the measured run.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"teams/{provider}/{kind}: warmed up after {warmedUp} activities, measuring {activities} activities (desk pid {server.Id})"));
            var cpuBefore = ServerCpu(server);
            var jitBefore = TieredCompilerTicks(server.Id);
            var databaseCpuBefore = databaseCpu?.Invoke();
            var repliesBefore = connector.Calls.Count;
            var recorder = new LatencyRecorder(activities);
            var clock = Stopwatch.StartNew();
            var failures = await DriveAsync(http, token, connector.ServiceUrl, kind, "run", activities, concurrency, recorder);
            clock.Stop();
            var cpu = ServerCpu(server) - cpuBefore;
            var jit = TieredCompilerCpuSince(server.Id, jitBefore);
            var databaseCpuUsed = databaseCpu?.Invoke() - databaseCpuBefore;
            var (peak, current) = Memory(server.Id);
            return new TeamsRun(
                provider.ToString(),
                kind,
                activities,
                concurrency,
                Math.Round(clock.Elapsed.TotalSeconds, 2),
                Math.Round(activities / clock.Elapsed.TotalSeconds, 0),
                recorder.Summarise(),
                failures,
                connector.Calls.Count - repliesBefore,
                Math.Round(cpu.TotalMilliseconds / activities, 3),
                peak,
                current,
                databaseCpuUsed is { } used ? Math.Round(used.TotalMilliseconds / activities, 3) : null,
                warmedUp,
                Math.Round(jit.TotalMilliseconds, 0));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's cleanup.
            }
        }
    }

    private static Process StartDesk(string address, DatabaseProvider provider, string connectionString, BotFrameworkAuthority authority, string dataFolder)
    {
        var dll = Path.Combine(SharedFiles.RepositoryRoot, "ServiceDesk.Bot", "bin", "Release", "net10.0", "ServiceDesk.Bot.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the desk first: dotnet build -c Release ServiceDesk.Bot", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = address;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Database__Provider"] = provider.ToString();
        start.Environment["ConnectionStrings__ServiceDesk"] = connectionString;
        start.Environment["SERVICEDESK_DATA"] = dataFolder;
        foreach (var (key, value) in authority.Settings())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The desk did not start.");

        // Drain its output so a full pipe never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("desk: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(300);
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"The desk exited with {server.ExitCode} before it was ready.");
            }

            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The desk was not ready within 300 s.");
            }

            await Task.Delay(100);
        }
    }

    private static async Task<int> DriveAsync(HttpClient http, string token, string serviceUrl, string kind, string prefix, int count, int concurrency, LatencyRecorder? recorder)
    {
        var next = -1;
        var failures = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                // A new user in a new personal chat each time: every activity opens a ticket.
                var user = Guid.NewGuid().ToString();
                var activity = TestActivities.Message(
                    serviceUrl,
                    $"Cannot print to the floor {i % 9} printer ({prefix} {i})",
                    id: (1_700_000_000_000L + i).ToString(CultureInfo.InvariantCulture),
                    userAadId: user,
                    userName: $"User {i}",
                    conversationId: $"a:{prefix}-{user}");
                activity["type"] = kind;
                var json = activity.ToJsonString();
                async Task<bool> Post()
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var response = await http.SendAsync(request);
                    return response.StatusCode == HttpStatusCode.OK;
                }

                var ok = recorder is null ? await Post() : await recorder.TimeAsync(Post);
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        return failures;
    }

    private static TimeSpan ServerCpu(Process server)
    {
        server.Refresh();
        return server.TotalProcessorTime;
    }

    /// <summary>CPU the desk's tiered compiler used since <paramref name="before"/>, counting a thread started meanwhile in full.</summary>
    private static TimeSpan TieredCompilerCpuSince(int pid, IReadOnlyDictionary<string, long> before) =>
        TimeSpan.FromMilliseconds(TieredCompilerTicks(pid).Sum(thread => thread.Value - before.GetValueOrDefault(thread.Key)) * 10);

    /// <summary>
    /// Clock ticks (10 ms, USER_HZ = 100 on Linux) used so far by each of the desk's tiered-compilation threads (the
    /// runtime names them ".NET Tiered Com…"): they compile hot methods to their optimised tiers in the background,
    /// and one ends when idle for a while, hence per thread.
    /// </summary>
    private static Dictionary<string, long> TieredCompilerTicks(int pid)
    {
        var ticks = new Dictionary<string, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    // utime and stime, the 14th and 15th fields, counted after the parenthesised command name.
                    var fields = File.ReadAllText(Path.Combine(task, "stat")).Split(')', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    ticks[Path.GetFileName(task)] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return ticks;
    }

    /// <summary>Peak and current resident set of the desk's process, from /proc (MB).</summary>
    private static (long Peak, long Current) Memory(int pid)
    {
        long peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = Kilobytes(line) / 1024;
            }
        }

        return (peak, current);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
