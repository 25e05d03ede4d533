using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ServiceDesk.Testing;

/// <summary>
/// A real PostgreSQL server for the test run: a fresh cluster in a temporary folder, listening on
/// 127.0.0.1 only, stopped and removed when the process ends. Set <c>SERVICEDESK_TEST_POSTGRES</c>
/// to a connection string to use an existing server instead.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => StartAsync(durable: false), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private readonly string _adminConnectionString;
    private readonly Action? _stop;
    private readonly string? _dataFolder;

    private PostgresServer(string adminConnectionString, Action? stop, string? dataFolder = null)
    {
        _adminConnectionString = adminConnectionString;
        _stop = stop;
        _dataFolder = dataFolder;
    }

    /// <summary>The server shared by this test process, started on first use.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "sd")
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        // Tests run many writers on a loaded machine next to other test processes: a generous wait for a pooled
        // connection keeps a slow moment from turning into a spurious failure.
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, MaxPoolSize = 100, Timeout = 120 }.ConnectionString;
    }

    /// <summary>
    /// Starts a server of its own. Tests run without fsync (nothing there must survive a power cut);
    /// a benchmark asks for a durable one, configured as a production server would be.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(bool durable)
    {
        if (Environment.GetEnvironmentVariable("SERVICEDESK_TEST_POSTGRES") is { Length: > 0 } existing)
        {
            return new PostgresServer(existing, stop: null);
        }

        var bin = FindBinaries();
        RemoveLeftovers();
        var root = Path.Combine(Path.GetTempPath(), $"servicedesk-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            await RunAsync("chown", ["postgres:postgres", root]);
        }

        await RunPgAsync(asRoot, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        var port = LoopbackPorts.Unused();
        // Every desk a test starts keeps its connection pools and its Hangfire workers' connections open
        // until it is disposed, and test classes run in parallel: 300 ran out once the suite grew.
        var options = $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=1000";
        if (!durable)
        {
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        }

        await RunPgAsync(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"]);

        var stopped = 0;
        void Stop()
        {
            // Called by a benchmark when it is done and again at process exit: stop once.
            if (Interlocked.Exchange(ref stopped, 1) == 1)
            {
                return;
            }

            try
            {
                RunPgAsync(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Could not stop the test PostgreSQL in {root}: {e.Message}");
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Include Error Detail=true";
        return new PostgresServer(admin, Stop, data);
    }

    /// <summary>Stops the server now (for a benchmark that ends before its process does).</summary>
    public void Stop() => _stop?.Invoke();

    /// <summary>
    /// CPU the server has used so far (postmaster, its live processes and those that ended), for a benchmark's
    /// server CPU per operation; null for a server this process did not start or without /proc.
    /// </summary>
    public TimeSpan? CpuTime()
    {
        if (_dataFolder is null || !File.Exists("/proc/stat"))
        {
            return null;
        }

        // postmaster.pid belongs to the postgres user but is world-readable; its first line is the postmaster's id.
        var postmaster = File.ReadLines(Path.Combine(_dataFolder, "postmaster.pid")).First().Trim();
        long ticks = 0;
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            var name = Path.GetFileName(folder);
            if (!int.TryParse(name, out _))
            {
                continue;
            }

            try
            {
                // Fields after the parenthesised command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (name == postmaster)
                {
                    ticks += long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14]);
                }
                else if (fields[1] == postmaster)
                {
                    ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked: its time is now in the postmaster's cutime.
            }
        }

        // USER_HZ is 100 on Linux.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Removes clusters of earlier test processes that were killed before they could clean up.</summary>
    private static void RemoveLeftovers()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "servicedesk-pg-*"))
        {
            var parts = Path.GetFileName(folder).Split('-');
            if (parts.Length > 2 && int.TryParse(parts[2], out var pid) && !LocalProcesses.IsRunning(pid))
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Not ours to remove; harmless.
                }
            }
        }
    }


    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("SERVICEDESK_PG_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        const string debianRoot = "/usr/lib/postgresql";
        var found = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found under /usr/lib/postgresql. Run ./test.sh (it installs them) or set SERVICEDESK_TEST_POSTGRES.");
    }


    private static Task RunPgAsync(bool asRoot, string program, string[] arguments) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
