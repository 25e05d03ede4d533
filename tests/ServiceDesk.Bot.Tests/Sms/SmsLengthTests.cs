using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary>Channels:Sms:MaxSegments caps what one notification costs; the rest stays on the ticket.</summary>
[Collection(HostCollection.Name)]
public class SmsLengthTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_long_agent_reply_is_cut_to_MaxSegments_and_names_the_ticket(int maxSegments)
    {
        await using var host = await SmsHost.StartAsync(
            DatabaseProvider.Sqlite,
            settings: new Dictionary<string, string?> { ["Channels:Sms:MaxSegments"] = maxSegments.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var api = host.Factory.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tickets", new { title = "Laptop", description = "slow", requester = new { phone = "+34600111222", language = "en" } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        await host.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
        var steps = string.Join(' ', Enumerable.Range(1, 120).Select(i => $"step{i}"));

        var reply = await api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Please try this: " + steps, author = "Eva" });

        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        await host.Twilio.WaitForRequestsAsync(2, TimeSpan.FromSeconds(30));
        var body = host.Twilio.Requests[1].Form["Body"];
        Assert.Equal(maxSegments, GsmText.Segments(body));
        Assert.Contains("Please try this: step1 step2", body);
        Assert.Matches(@"step\d+ \.\.\. \[shortened; full text on ticket " + number + @"\]$", body);
    }
}
