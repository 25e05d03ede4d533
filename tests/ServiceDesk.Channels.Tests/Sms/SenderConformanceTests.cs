using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

/// <summary>Every request the SMS sender makes, checked by Stoplight Prism against Twilio's published OpenAPI document.</summary>
public partial class SenderConformanceTests
{
    [Fact]
    public async Task The_mock_refuses_what_the_spec_forbids()
    {
        // The mock is only evidence if it says no: no credentials, no recipient.
        var prism = await PrismServer.TwilioAsync();
        using var http = new HttpClient { BaseAddress = prism.BaseUrl };
        var url = $"/2010-04-01/Accounts/{SmsDesk.AccountSid}/Messages.json";

        var anonymous = await http.PostAsync(url, new FormUrlEncodedContent([new("To", "+15005550009"), new("From", SmsDesk.DeskNumber), new("Body", "x")]));
        using var noTo = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent([new("From", SmsDesk.DeskNumber), new("Body", "x")]) };
        noTo.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SmsDesk.AccountSid}:t")));
        var missingTo = await http.SendAsync(noTo);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missingTo.StatusCode);
    }

    [Theory]
    [InlineData("from-reply-handle")]
    [InlineData("from-options")]
    [InlineData("messaging-service")]
    public async Task Every_send_is_accepted_by_the_spec_mock(string sender)
    {
        var prism = await PrismServer.TwilioAsync();
        await using var desk = await SmsDesk.CreateAsync(DatabaseProvider.Sqlite, prism.BaseUrl, o =>
        {
            if (sender == "messaging-service")
            {
                o.MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";
            }
        });
        string[] bodies =
        [
            "Ticket SD-1 is now being worked on.",
            "“Smart” quotes — and an ellipsis… ¿Qué tal?",
            string.Join(' ', Enumerable.Repeat("A long agent reply that needs more than three segments.", 20)),
            "Emoji 😀 and Кириллица",
        ];

        var results = new List<DeliveryResult>();
        foreach (var body in bodies)
        {
            var outbound = new OutboundMessage(
                Guid.NewGuid(), 0, 1, "SD-1", "+34600111222", null, body, MessageKind.AgentReply, "en",
                sender == "from-reply-handle" ? new SmsReplyHandle("+15005550001").ToJson() : null, []);
            results.Add(await desk.Desk.InScopeAsync(sp => sp.GetServices<IChannelSender>().Single(s => s.Channel == Channel.Sms).SendAsync(outbound, CancellationToken.None)));
        }

        Assert.All(results, r => Assert.Equal(DeliveryOutcome.Sent, r.Outcome));
        Assert.All(results, r => Assert.Matches(MessageSid(), r.ExternalId!));
        Assert.Equal(bodies.Length, desk.Http.Exchanges.Count);
        Assert.All(desk.Http.Exchanges, e => Assert.Equal(201, e.Status));
        foreach (var (request, body, _, _) in desk.Http.Exchanges)
        {
            var form = Form(body);
            Assert.Equal($"{prism.BaseUrl.ToString().TrimEnd('/')}/2010-04-01/Accounts/{SmsDesk.AccountSid}/Messages.json", request.RequestUri!.ToString());
            Assert.Equal("+34600111222", form["To"]);
            Assert.StartsWith("https://desk.example.com/api/sms/twilio/status?key=", form["StatusCallback"]);
            Assert.True(GsmText.Segments(form["Body"]) <= SmsText.MaxSegments);
            switch (sender)
            {
                case "messaging-service":
                    Assert.Equal("MG0123456789abcdef0123456789abcdef", form["MessagingServiceSid"]);
                    Assert.False(form.ContainsKey("From"));
                    break;
                case "from-reply-handle":
                    Assert.Equal("+15005550001", form["From"]);
                    break;
                default:
                    Assert.Equal(SmsDesk.DeskNumber, form["From"]);
                    break;
            }
        }

        Assert.Equal(SmsEncoding.Gsm7, GsmText.EncodingOf(Form(desk.Http.Exchanges.ElementAt(1).Body)["Body"]));
    }

    [Fact]
    public async Task An_acknowledgement_goes_out_through_the_outbox_and_keeps_Twilios_sid()
    {
        var prism = await PrismServer.TwilioAsync();
        await using var desk = await SmsDesk.CreateAsync(DatabaseProvider.Sqlite, prism.BaseUrl);
        await desk.ReceiveAsync("+34600111222");

        var jobs = await desk.DeliverScheduledAsync();

        var row = await desk.OutboxAsync(Assert.Single(jobs).OutboxId);
        Assert.Equal(OutboxState.Sent, row.State);
        Assert.Equal(DeliveryState.Sent, row.Message.DeliveryState);
        Assert.Matches(MessageSid(), row.Message.ExternalId!);
        var form = Form(Assert.Single(desk.Http.Exchanges).Body);
        Assert.Equal($"https://desk.example.com/api/sms/twilio/status?key={row.DeliveryKey:N}", form["StatusCallback"]);
        Assert.Equal(SmsDesk.DeskNumber, form["From"]);
    }

    internal static Dictionary<string, string> Form(string body) =>
        body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p[1]));

    [GeneratedRegex("^(SM|MM)[0-9a-fA-F]{32}$")]
    private static partial Regex MessageSid();
}
