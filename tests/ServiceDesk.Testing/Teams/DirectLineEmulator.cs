using System.Diagnostics;

namespace ServiceDesk.Testing.Teams;

/// <summary>
/// The npm <c>offline-directline</c> package on loopback (started through <c>tests/peers/directline/emulator.js</c>):
/// a Direct Line service for clients and a Bot Connector for the bot. Stopped on dispose.
/// </summary>
public sealed class DirectLineEmulator : IAsyncDisposable
{
    private readonly Process _process;

    private DirectLineEmulator(Process process, string serviceUrl)
    {
        _process = process;
        ServiceUrl = serviceUrl;
    }

    /// <summary>Where the bot's replies go (the serviceUrl on the activities it forwards).</summary>
    public string ServiceUrl { get; }

    /// <summary>The Direct Line 3.0 endpoint clients talk to.</summary>
    public string DirectLineUrl => ServiceUrl + "/directline";

    public static async Task<DirectLineEmulator> StartAsync(string botMessagingUrl, TimeSpan timeout)
    {
        var start = NodePeers.Start("emulator.js", "--bot", botMessagingUrl);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        var output = new List<string>();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("The Direct Line emulator exited: " + string.Join('\n', output)));
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data["listening ".Length..].Trim());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new DirectLineEmulator(process, await ready.Task.WaitAsync(timeout));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>The npm peers of the test suite (<c>tests/peers</c>, installed by test.sh) and the node that runs them.</summary>
public static class NodePeers
{
    public static string Folder { get; } = Path.Combine(SharedFiles.RepositoryRoot, "tests", "peers");

    /// <summary>A node process for a script in <c>tests/peers/directline</c>, output redirected.</summary>
    public static ProcessStartInfo Start(string script, params string[] arguments)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "offline-directline")))
        {
            throw new InvalidOperationException($"The npm test peers are not installed: run ./test.sh (or npm ci --ignore-scripts in {Folder}).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.Combine(Folder, "directline"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
