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
    [Theory]
    [InlineData("teams-es.json", "es")]
    [InlineData("teams-en.json", "en")]
    public async Task A_user_reports_an_issue_and_receives_the_status_update(string conversation, string language)
    {
        await using var desk = KestrelDesk.Start();
        await using var emulator = await DirectLineEmulator.StartAsync(desk.Address + "/api/messages", TimeSpan.FromSeconds(30));

        var run = await DirectLineClient.RunAsync(emulator, desk, conversation);

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
}
