using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ServiceDesk.Testing;

namespace ServiceDesk.EndToEnd.Tests.ScaleOut;

/// <summary>
/// One app instance as a real operating-system process, as a deployment runs it: <c>dotnet ServiceDesk.Bot.dll</c>
/// (the build this test project references) configured by environment variables, on 127.0.0.1 and a port of its
/// own choosing. It has its own home and data folders, as a separate machine would, so nothing is shared through
/// the file system by accident. Its output goes to a log file beside the test's results.
/// </summary>
public sealed partial class DeskProcess : IAsyncDisposable
{
    public const string ApiKey = "scale-out-key-5c1e";

    /// <summary>Marks the processes started by a test process, so a later run can stop any it left behind.</summary>
    private const string ParentVariable = "SERVICEDESK_TEST_PARENT";

    private static readonly Lazy<bool> LeftoversRemoved = new(RemoveLeftovers);

    private readonly Process _process;
    private readonly string _folder;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DeskProcess(string name, Process process, string folder, StreamWriter log)
    {
        Name = name;
        _process = process;
        _folder = folder;
        _log = log;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Set just before the test kills the process: requests that fail from then on failed because of it.</summary>
    public bool Killed { get; private set; }

    /// <summary>The instance's base address, e.g. <c>http://127.0.0.1:40123</c>, once it listens.</summary>
    public string Address { get; private set; } = string.Empty;

    public string LogFile { get; private set; } = string.Empty;

    /// <summary>Starts an instance; <paramref name="settings"/> are configuration keys (<c>Outbox:ClaimTimeout</c>), passed as environment variables.</summary>
    public static DeskProcess Start(string name, IReadOnlyDictionary<string, string?> settings)
    {
        _ = LeftoversRemoved.Value;
        var bin = AppContext.BaseDirectory;
        var folder = Path.Combine(Path.GetTempPath(), "servicedesk-scaleout", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        Directory.CreateDirectory(Path.Combine(folder, "data"));

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(bin, "ServiceDesk.Bot.dll"));
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.Combine(SharedFiles.RepositoryRoot, "ServiceDesk.Bot"));

        // Nothing of the test process's own configuration leaks in.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["HOME"] = Path.Combine(folder, "home");
        start.Environment["SERVICEDESK_DATA"] = Path.Combine(folder, "data");
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment[ParentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? string.Empty;
        }

        var results = Path.Combine(bin, "TestResults", "scale-out");
        Directory.CreateDirectory(results);
        var logFile = Path.Combine(results, $"{DateTime.UtcNow:HHmmss}-{name}.log");
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var desk = new DeskProcess(name, process, folder, log) { LogFile = logFile };
        process.OutputDataReceived += (_, e) => desk.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => desk.OnOutput(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => desk.Kill();
        return desk;
    }

    /// <summary>Waits until the instance listens and answers <c>/readyz</c>; fails with its log when it exits or takes too long.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var exited = _process.WaitForExitAsync();
        var listening = await Task.WhenAny(_listening.Task, exited, Task.Delay(timeout));
        if (listening != _listening.Task)
        {
            throw new InvalidOperationException($"{Name} did not start listening ({(_process.HasExited ? $"exited with {_process.ExitCode}" : "timeout")}):\n{Tail()}");
        }

        Address = await _listening.Task;
        using var client = new HttpClient { BaseAddress = new Uri(Address), Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not become ready:\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A client for the tickets API of this instance (API key).</summary>
    public HttpClient ApiClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(Address), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>Ends the process with SIGKILL: no shutdown code runs, as when a machine or container dies.</summary>
    public void Kill()
    {
        Killed = true;
        try
        {
            if (!_process.HasExited)
            {
                // On Unix Process.Kill sends SIGKILL.
                _process.Kill(entireProcessTree: false);
                _process.WaitForExit(10_000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Stops the process in its tracks (SIGSTOP) until the returned handle is disposed (SIGCONT). It keeps its
    /// connections and leases but takes no job: with several instances Hangfire gives a job to whichever asks first,
    /// and a frozen instance does not ask, so a test can make sure the other one runs it.
    /// </summary>
    public IDisposable Freeze()
    {
        Signal(SignalStop);
        return new Thaw(this);
    }

    private const int SignalContinue = 18;
    private const int SignalStop = 19;

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not send signal {signal} to {Name} (pid {_process.Id}): errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    // Process has no way to send any signal but SIGKILL.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private sealed class Thaw(DeskProcess desk) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0 && !desk.Killed)
            {
                desk.Signal(SignalContinue);
            }
        }
    }

    /// <summary>The last lines the instance wrote.</summary>
    public string Tail()
    {
        lock (_logLock)
        {
            return $"--- {Name} (pid {ProcessIdOrNone()}, log {LogFile}) ---\n" + string.Join('\n', _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.Yield();
        lock (_logLock)
        {
            _log.Dispose();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's cleanup.
        }
    }

    private string ProcessIdOrNone()
    {
        try
        {
            return _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _tail.Enqueue(line);
            while (_tail.Count > 60)
            {
                _tail.Dequeue();
            }
        }

        if (ListeningOn().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(match.Groups[1].Value);
        }
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>Stops instances that an earlier test process started and could not stop (it was killed itself).</summary>
    private static bool RemoveLeftovers()
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            try
            {
                var environment = File.ReadAllText(Path.Combine(folder, "environ")).Split('\0');
                var parent = environment.FirstOrDefault(v => v.StartsWith(ParentVariable + "=", StringComparison.Ordinal));
                if (parent is not null && int.TryParse(parent[(ParentVariable.Length + 1)..], out var parentPid) && !LocalProcesses.IsRunning(parentPid))
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return true;
    }


    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningOn();
}
