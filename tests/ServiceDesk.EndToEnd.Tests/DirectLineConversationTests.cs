using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Testing.Teams;

namespace ServiceDesk.EndToEnd.Tests;

/// <summary>
/// A whole conversation with real third-party programs from npm: the official Direct Line client
/// (botframework-directlinejs) talks to offline-directline, which speaks the Bot Framework protocol to the
/// desk over HTTP. The user reports a problem, gets the ticket number, an agent changes the status through
/// the REST API, and the proactive update reaches the client.
/// </summary>
public class DirectLineConversationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("teams-es.json", "es")]
    [InlineData("teams-en.json", "en")]
    public async Task A_user_reports_an_issue_and_receives_the_status_update(string conversation, string language)
    {
        await using var desk = KestrelDesk.Start();
        await using var emulator = await DirectLineEmulator.StartAsync(desk.Address + "/api/messages", TimeSpan.FromSeconds(30));

        var run = await RunConversationAsync(emulator, desk, Path.Combine(AppContext.BaseDirectory, "Conversations", conversation));

        Assert.True((bool)run["ok"]!, run.ToJsonString());
        var number = (string)run["vars"]!["ticket"]!;
        using var api = new HttpClient { BaseAddress = new Uri(desk.Address) };
        api.DefaultRequestHeaders.Add("X-Api-Key", KestrelDesk.ApiKey);
        var ticket = (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!;
        Assert.Equal("Teams", (string?)ticket["ticket"]!["channel"]);
        Assert.Equal("Open", (string?)ticket["ticket"]!["status"]);
        Assert.Equal(language, (string?)ticket["requester"]!["language"]);
        Assert.Contains(ticket["messages"]!.AsArray(), m => (string?)m!["kind"] == "StatusNotification" && (string?)m["deliveryState"] == "Sent");
    }

    private static async Task<JsonObject> RunConversationAsync(DirectLineEmulator emulator, KestrelDesk desk, string conversation)
    {
        var start = NodePeers.Start(
            "conversation.js",
            "--directline", emulator.DirectLineUrl,
            "--desk", desk.Address,
            "--api-key", KestrelDesk.ApiKey,
            "--conversation", conversation);
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
