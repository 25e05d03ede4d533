using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary>Without Channels:Sms:Twilio:PublicBaseUrl, the StatusCallback goes to where signed webhooks came in.</summary>
[Collection(HostCollection.Name)]
public class SmsPublicBaseTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_base_of_a_signed_webhook_is_remembered_in_the_database_across_a_restart(DatabaseProvider provider)
    {
        string learned, database;
        var first = await SmsHost.StartAsync(provider, publicBase: null);
        try
        {
            var api = first.Factory.CreateApiClient();

            // Nothing signed has arrived yet: the message goes out untracked rather than with a guessed URL.
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/tickets", new { title = "VPN", description = "drops", requester = new { phone = "+34600111222" } })).StatusCode);
            await first.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
            Assert.False(first.Twilio.Requests[0].Form.ContainsKey("StatusCallback"));

            // A forged webhook teaches nothing.
            Assert.Equal(HttpStatusCode.Forbidden, (await first.PostSignedAsync("/api/sms/twilio", SmsHost.Sms("+34600111222", "hello"), token: "forged")).StatusCode);
            Assert.Equal(0, await first.QueryAsync(db => db.ObservedBaseUrls.CountAsync()));

            await first.TwimlAsync(await first.PostSignedAsync("/api/sms/twilio", SmsHost.Sms("+34600111222", "any news?")));
            learned = first.Client.BaseAddress!.ToString().TrimEnd('/');
            Assert.Equal(learned, await first.QueryAsync(db => db.ObservedBaseUrls.Select(u => u.Url).SingleAsync()));
            database = first.Factory.ConnectionString;
        }
        finally
        {
            await first.DisposeAsync();
        }

        // The next start (or any other instance on the database) has not seen a webhook itself.
        await using var second = await SmsHost.StartAsync(provider, publicBase: null, connectionString: database);
        var created = await second.Factory.CreateApiClient().PostAsJsonAsync("/api/tickets", new { title = "Printer", description = "jams", requester = new { phone = "+34600333444" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await second.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
        var sent = Assert.Single(second.Twilio.Requests, r => r.Form["To"] == "+34600333444");
        Assert.StartsWith($"{learned}/api/sms/twilio/status?key=", sent.Form["StatusCallback"]);
    }
}
