using System.Diagnostics;
using System.Text.Json.Nodes;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.EndToEnd.Tests;

/// <summary>
/// Runs a scripted conversation (<c>Conversations/*.json</c>) through the official Direct Line client in Node
/// and returns its result: <c>ok</c>, the captured <c>vars</c>, the <c>cards</c> the user saw and the transcript.
/// </summary>
internal static class DirectLineClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static async Task<JsonObject> RunAsync(DirectLineEmulator emulator, KestrelDesk desk, string conversation)
    {
        var start = NodePeers.Start(
            "conversation.js",
            "--directline", emulator.DirectLineUrl,
            "--desk", desk.Address,
            "--api-key", KestrelDesk.ApiKey,
            "--conversation", Path.Combine(AppContext.BaseDirectory, "Conversations", conversation));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The Direct Line client did not finish: {await output}{await errors}");
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = lines.Length == 0 ? null : JsonNode.Parse(lines[^1]) as JsonObject;
        return result ?? throw new InvalidOperationException($"The Direct Line client printed no result (exit {process.ExitCode}): {await output}{await errors}");
    }
}
