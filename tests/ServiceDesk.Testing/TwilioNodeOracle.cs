using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServiceDesk.Testing;

/// <summary>
/// Twilio's own Node library (npm <c>twilio</c>) answering signature questions: an implementation
/// independent of the desk's, to check it against. One node process, requests answered in order.
/// </summary>
public sealed class TwilioNodeOracle : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _turn = new(1, 1);

    private TwilioNodeOracle(Process process) => _process = process;

    public static Task<TwilioNodeOracle> StartAsync()
    {
        NodePeers.Require(Path.Combine("node_modules", "twilio", "package.json"));
        var process = NodePeers.StartNode(NodePeers.Require("twilio-oracle.js"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => NodePeers.Stop(process);
        return Task.FromResult(new TwilioNodeOracle(process));
    }

    /// <summary><c>twilio.getExpectedTwilioSignature(authToken, url, params)</c>.</summary>
    public async Task<string> SignAsync(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        (string)(await AskAsync(new JsonObject { ["op"] = "sign", ["authToken"] = authToken, ["url"] = url, ["params"] = Params(parameters) }))["signature"]!;

    /// <summary><c>twilio.validateRequest(authToken, signature, url, params)</c>.</summary>
    public async Task<bool> ValidateAsync(string authToken, string signature, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        (bool)(await AskAsync(new JsonObject { ["op"] = "validate", ["authToken"] = authToken, ["signature"] = signature, ["url"] = url, ["params"] = Params(parameters) }))["valid"]!;

    /// <summary><c>twilio.getExpectedBodyHash(body)</c>.</summary>
    public async Task<string> BodyHashAsync(string body) =>
        (string)(await AskAsync(new JsonObject { ["op"] = "bodyHash", ["body"] = body }))["hash"]!;

    private static JsonObject Params(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        // Express/body-parser shape: a repeated name becomes an array of its values.
        var grouped = new JsonObject();
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal))
        {
            var values = group.Select(p => p.Value).ToList();
            grouped[group.Key] = values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }

        return grouped;
    }

    private async Task<JsonObject> AskAsync(JsonObject request)
    {
        await _turn.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(request.ToJsonString());
            await _process.StandardInput.FlushAsync();
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException($"The Twilio oracle exited: {await _process.StandardError.ReadToEndAsync()}");
            var answer = JsonNode.Parse(line)!.AsObject();
            return answer["error"] is { } error ? throw new InvalidOperationException($"The Twilio oracle failed: {error}") : answer;
        }
        finally
        {
            _turn.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        NodePeers.Stop(_process);
        _process.Dispose();
        _turn.Dispose();
        return ValueTask.CompletedTask;
    }
}
