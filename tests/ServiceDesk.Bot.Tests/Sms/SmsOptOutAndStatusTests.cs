using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Tests.Sms;

/// <summary>STOP/START through the webhook and what it does to outgoing SMS; delivery status callbacks.</summary>
[Collection(HostCollection.Name)]
public class SmsOptOutAndStatusTests
{
    private const string Path = "/api/sms/twilio";
    private const string StatusPath = "/api/sms/twilio/status";
    private const string Phone = "+34600111222";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stop_silences_the_desk_and_start_brings_it_back(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var api = host.Factory.CreateApiClient();
        await host.TwimlAsync(await host.PostSignedAsync(Path, SmsHost.Sms(Phone, "The VPN drops every hour")));
        var number = (string)(await api.GetFromJsonAsync<JsonObject>("/api/tickets?channel=sms"))!["items"]![0]!["number"]!;

        var stop = await host.TwimlAsync(await host.PostSignedAsync(Path, SmsHost.Sms(Phone, "Stop")));
        Assert.Empty(XDocument.Parse(stop).Root!.Elements());
        Assert.True(await host.QueryAsync(db => db.Contacts.Select(c => c.SmsOptedOut).SingleAsync()));

        // An agent works on the ticket: nothing may be texted now.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" })).StatusCode);
        var silenced = await host.TwimlAsync(await host.PostSignedAsync(Path, SmsHost.Sms(Phone, "any news?")));
        Assert.Empty(XDocument.Parse(silenced).Root!.Elements());

        var start = await host.TwimlAsync(await host.PostSignedAsync(Path, SmsHost.Sms(Phone, "START")));
        Assert.Contains("you will receive SMS from us again", Assert.Single(XDocument.Parse(start).Root!.Elements("Message")).Value);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" })).StatusCode);
        await host.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));

        var sent = Assert.Single(host.Twilio.Requests);
        Assert.Equal(Phone, sent.Form["To"]);
        Assert.Equal(SmsHost.DeskNumber, sent.Form["From"]);
        Assert.Contains(number, sent.Form["Body"]);
        Assert.Contains("waiting for information", sent.Form["Body"]);
        var events = (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!["events"]!.AsArray().Select(e => (string)e!["kind"]!).ToList();
        Assert.Contains("ContactOptedOut", events);
        Assert.Contains("ContactOptedIn", events);
        Assert.Contains("DeliveryFailed", events); // the Open notice found no channel
    }

    [Fact]
    public async Task Twilios_OptOutType_opts_out_whatever_the_word()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);
        var fields = SmsHost.Sms(Phone, "BAJA");
        fields.Add(new("OptOutType", "STOP"));

        var twiml = await host.TwimlAsync(await host.PostSignedAsync(Path, fields));

        Assert.Empty(XDocument.Parse(twiml).Root!.Elements());
        Assert.True(await host.QueryAsync(db => db.Contacts.Select(c => c.SmsOptedOut).SingleAsync()));
        Assert.Equal(0, await host.CountMessagesAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Status_callbacks_move_the_message_forward_and_never_back(DatabaseProvider provider)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var api = host.Factory.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tickets", new { title = "New laptop", description = "Please", requester = new { phone = Phone, language = "en" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await host.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
        var callback = host.Twilio.Requests[0].Form["StatusCallback"];
        Assert.StartsWith($"{SmsHost.PublicBase}{StatusPath}?key=", callback);
        var sid = await WaitForSidAsync(host);
        var statusPath = callback[SmsHost.PublicBase.Length..];

        Assert.Equal(HttpStatusCode.NoContent, (await host.PostSignedAsync(statusPath, Status(sid, "delivered"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await host.PostSignedAsync(statusPath, Status(sid, "sent"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.PostSignedAsync(statusPath, Status(sid, "failed", "30003"), token: "forged")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostSignedAsync(statusPath, [new("MessageStatus", "sent")])).StatusCode);

        var message = await host.QueryAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.ExternalId == sid));
        Assert.Equal(DeliveryState.Delivered, message.DeliveryState);
        Assert.Null(message.DeliveryError);
    }

    [Fact]
    public async Task A_failed_callback_records_the_error_code_and_an_opt_out_code_marks_the_contact()
    {
        await using var host = await SmsHost.StartAsync(DatabaseProvider.Sqlite);
        var api = host.Factory.CreateApiClient();
        await api.PostAsJsonAsync("/api/tickets", new { title = "Printer", description = "jam", requester = new { phone = Phone } });
        await host.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
        var sid = await WaitForSidAsync(host);

        var response = await host.PostSignedAsync(StatusPath, Status(sid, "undelivered", "21610"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var message = await host.QueryAsync(db => db.Messages.AsNoTracking().SingleAsync(m => m.ExternalId == sid));
        Assert.Equal(DeliveryState.Failed, message.DeliveryState);
        Assert.Equal("Twilio undelivered (error 21610)", message.DeliveryError);
        Assert.True(await host.QueryAsync(db => db.Contacts.Select(c => c.SmsOptedOut).SingleAsync()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "30005")]
    [InlineData(DatabaseProvider.PostgreSql, "30006")]
    public async Task An_unknown_or_landline_destination_marks_the_phone_unreachable_on_the_contact_and_the_ticket(DatabaseProvider provider, string code)
    {
        await using var host = await SmsHost.StartAsync(provider);
        var api = host.Factory.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/tickets", new { title = "Printer", description = "jam", requester = new { phone = Phone } });
        var number = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["ticket"]!["number"]!;
        await host.Twilio.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30));
        var sid = await WaitForSidAsync(host);

        // A handset that is merely off (30003) may be back tomorrow: that failure does not condemn the number.
        Assert.Equal(HttpStatusCode.NoContent, (await host.PostSignedAsync(StatusPath, Status(sid, "undelivered", "30003"))).StatusCode);
        Assert.False(await host.QueryAsync(db => db.ContactIdentities.Select(i => i.Unreachable).SingleAsync()));

        await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" });
        await host.Twilio.WaitForRequestsAsync(2, TimeSpan.FromSeconds(30));
        var second = await WaitForSidAsync(host, except: sid);
        Assert.Equal(HttpStatusCode.NoContent, (await host.PostSignedAsync(StatusPath, Status(second, "undelivered", code))).StatusCode);

        var identity = await host.QueryAsync(db => db.ContactIdentities.AsNoTracking().SingleAsync());
        Assert.True(identity.Unreachable);
        Assert.Contains(code, identity.UnreachableReason);
        var events = (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!["events"]!.AsArray().Select(e => (string)e!["kind"]!).ToList();
        Assert.Contains("ContactUnreachable", events);

        // The number is not texted again.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" })).StatusCode);
        await WaitForEventCountAsync(api, number, "DeliveryFailed", events.Count(e => e == "DeliveryFailed") + 1);
        Assert.Equal(2, host.Twilio.Requests.Count);
    }

    private static List<KeyValuePair<string, string>> Status(string sid, string status, string? errorCode = null)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", sid), new("SmsSid", sid), new("MessageStatus", status), new("SmsStatus", status),
            new("To", Phone), new("From", SmsHost.DeskNumber), new("AccountSid", SmsHost.AccountSid), new("ApiVersion", "2010-04-01"),
        };
        if (errorCode is not null)
        {
            fields.Add(new("ErrorCode", errorCode));
        }

        return fields;
    }

    /// <summary>The SID the outbox recorded once the job finished with Twilio's answer.</summary>
    private static async Task<string> WaitForSidAsync(SmsHost host, string? except = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var sid = await host.QueryAsync(db => db.Messages.Where(m => m.Direction == MessageDirection.Outbound && m.ExternalId != null && m.ExternalId != except).Select(m => m.ExternalId).FirstOrDefaultAsync());
            if (sid is not null)
            {
                return sid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The outbox never recorded Twilio's message SID.");
    }

    private static async Task WaitForEventCountAsync(HttpClient api, string number, string kind, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var events = (await api.GetFromJsonAsync<JsonObject>($"/api/tickets/{number}"))!["events"]!.AsArray();
            if (events.Count(e => (string)e!["kind"]! == kind) >= count)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Ticket {number} never had {count} {kind} events.");
    }
}
