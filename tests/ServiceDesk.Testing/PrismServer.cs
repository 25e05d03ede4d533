using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServiceDesk.Testing;

/// <summary>
/// Stoplight Prism serving an OpenAPI document as a validating mock on 127.0.0.1: a request the spec
/// does not allow is answered 4xx with the violations, a valid one with a generated response. One
/// server per spec for the test process, stopped when it ends.
/// </summary>
public sealed class PrismServer : IAsyncDisposable
{
    private static readonly Dictionary<string, Lazy<Task<PrismServer>>> Shared = [];
    private static readonly Lock SharedLock = new();

    private readonly Process _process;
    private readonly StringBuilder _log;

    private PrismServer(Process process, Uri baseUrl, StringBuilder log)
    {
        _process = process;
        BaseUrl = baseUrl;
        _log = log;
    }

    public Uri BaseUrl { get; }

    /// <summary>What Prism printed so far (its request log and validation messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The Twilio REST API (2010-04-01) mock, shared by the tests of this process.</summary>
    public static Task<PrismServer> TwilioAsync() => GetAsync(SharedFiles.Path("specs", "twilio", "twilio_api_v2010.json"));

    public static Task<PrismServer> GetAsync(string specPath)
    {
        lock (SharedLock)
        {
            if (!Shared.TryGetValue(specPath, out var server))
            {
                server = new Lazy<Task<PrismServer>>(() => StartAsync(specPath), LazyThreadSafetyMode.ExecutionAndPublication);
                Shared[specPath] = server;
            }

            return server.Value;
        }
    }

    /// <summary>Starts a server of its own (dynamic responses: generated from the schemas, so every id differs).</summary>
    public static async Task<PrismServer> StartAsync(string specPath)
    {
        var cli = NodePeers.Require(Path.Combine("node_modules", "@stoplight", "prism-cli", "dist", "index.js"));
        var port = LoopbackPorts.Unused();
        // Standard input stays open: when this process ends, however it ends, the launcher sees it close and stops Prism.
        var process = NodePeers.StartNode(
            NodePeers.Require("run-while-parent-lives.js"), cli, "mock", "--dynamic", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), specPath);
        var log = new StringBuilder();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains("Prism is listening", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrismServer(process, new Uri($"http://127.0.0.1:{port}"), log);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => NodePeers.Stop(process);

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (first != listening.Task)
        {
            NodePeers.Stop(process);
            throw new InvalidOperationException($"Prism did not start for {specPath}:\n{server.Log}");
        }

        return server;
    }

    public ValueTask DisposeAsync()
    {
        NodePeers.Stop(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

}
