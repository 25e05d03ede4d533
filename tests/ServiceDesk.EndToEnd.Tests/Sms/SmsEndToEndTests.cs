using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.EndToEnd.Tests.Sms;

/// <summary>
/// The whole SMS path over real HTTP: the desk on Kestrel (loopback), a signed Twilio webhook in, the
/// REST API for the agent, and the texts out through Stoplight Prism serving Twilio's OpenAPI document.
/// </summary>
[Collection(EndToEndCollection.Name)]
public class SmsEndToEndTests
{
    private const string AccountSid = "ACfedcba9876543210fedcba9876543210";
    private const string AuthToken = "end-to-end-token";
    private const string DeskNumber = "+15005550006";
    private const string Phone = "+34611222333";
    private const string ApiKey = "e2e-key-sms1";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_sms_becomes_a_ticket_whose_updates_are_texted_back_until_stop(DatabaseProvider provider)
    {
        var prism = await PrismServer.TwilioAsync();
        await using var desk = await Desk.StartAsync(provider, prism.BaseUrl);

        // 1. The person texts the desk; Twilio redelivers the same webhook.
        var fields = Sms("SM" + Guid.NewGuid().ToString("N"), "Outlook keeps asking for my password");
        var reply = await desk.WebhookAsync(fields);
        var redelivered = await desk.WebhookAsync(fields);
        var ticket = (await desk.Api.GetFromJsonAsync<JsonObject>("/api/tickets?channel=sms"))!["items"]!.AsArray();
        var number = (string)Assert.Single(ticket)!["number"]!;
        Assert.Contains(number, Assert.Single(reply.Root!.Elements("Message")).Value);
        Assert.Empty(redelivered.Root!.Elements());
        Assert.Equal(1, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound)));

        // 2. An agent takes it: the status notice is texted to the same number, accepted by the spec mock.
        Assert.Equal(HttpStatusCode.OK, (await desk.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Open" })).StatusCode);
        var sent = await desk.WaitForSendsAsync(1);
        Assert.Equal(201, sent.Status);
        Assert.Equal(Phone, sent.Form["To"]);
        Assert.Equal(DeskNumber, sent.Form["From"]);
        Assert.Contains(number, sent.Form["Body"]);
        Assert.StartsWith($"{desk.BaseUrl}api/sms/twilio/status?key=", sent.Form["StatusCallback"]);
        var outbound = await desk.WaitForAsync(db => db.Messages.Where(m => m.Direction == MessageDirection.Outbound && m.Kind == MessageKind.StatusNotification && m.DeliveryState == DeliveryState.Sent).Select(m => m.ExternalId).FirstOrDefaultAsync());
        Assert.Matches("^(SM|MM)[0-9a-fA-F]{32}$", outbound);

        // 3. Twilio reports delivery on the StatusCallback it was given.
        var callback = new Uri(sent.Form["StatusCallback"]);
        var status = await desk.PostSignedAsync(callback.PathAndQuery, [new("MessageSid", outbound!), new("MessageStatus", "delivered"), new("To", Phone), new("From", DeskNumber)]);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal(DeliveryState.Delivered, await desk.QueryAsync(db => db.Messages.Where(m => m.ExternalId == outbound).Select(m => m.DeliveryState).SingleAsync()));

        // 4. STOP: later updates are not texted.
        var stop = await desk.WebhookAsync(Sms("SM" + Guid.NewGuid().ToString("N"), "STOP"));
        Assert.Empty(stop.Root!.Elements());
        Assert.Equal(HttpStatusCode.OK, (await desk.Api.PatchAsJsonAsync($"/api/tickets/{number}", new { status = "Pending" })).StatusCode);
        var comment = await desk.Api.PostAsJsonAsync($"/api/tickets/{number}/comments", new { body = "Can you send a screenshot?", author = "Eva" });
        Assert.Equal(HttpStatusCode.Conflict, comment.StatusCode);
        Assert.Equal("requester_unreachable", (string)(await comment.Content.ReadFromJsonAsync<JsonObject>())!["code"]!);
        var failures = await desk.QueryAsync(db => db.TicketEvents.Where(e => e.Kind == Core.Tickets.TicketEventKind.DeliveryFailed).Select(e => e.Detail).ToListAsync());
        Assert.Equal(["no reachable channel for the requester"], failures);
        Assert.Equal(0, await desk.QueryAsync(db => db.Outbox.CountAsync(o => o.State == Core.Outbox.OutboxState.Pending)));
        Assert.Single(desk.Sends);
    }

    private static List<KeyValuePair<string, string>> Sms(string sid, string body) =>
    [
        new("MessageSid", sid), new("SmsSid", sid), new("AccountSid", AccountSid), new("From", Phone), new("To", DeskNumber),
        new("Body", body), new("NumMedia", "0"), new("FromCountry", "ES"), new("ApiVersion", "2010-04-01"),
    ];

    /// <summary>The real host on Kestrel with the SMS channel pointed at the spec mock.</summary>
    private sealed class Desk : WebApplicationFactory<Program>
    {
        private readonly Dictionary<string, string?> _settings;
        private readonly ConcurrentQueue<Send> _sends = new();

        private Desk(Dictionary<string, string?> settings, string baseUrl)
        {
            _settings = settings;
            BaseUrl = baseUrl;
        }

        public string BaseUrl { get; }

        public HttpClient Client { get; private set; } = null!;

        public HttpClient Api { get; private set; } = null!;

        public IReadOnlyCollection<Send> Sends => _sends;

        public static async Task<Desk> StartAsync(DatabaseProvider provider, Uri twilioApi)
        {
            var connection = provider == DatabaseProvider.PostgreSql
                ? await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e")
                : $"Data Source={Path.Combine(Path.GetTempPath(), "servicedesk-tests", Guid.NewGuid().ToString("N"), "desk.db")}";
            var port = LoopbackPorts.Unused();
            var baseUrl = $"http://127.0.0.1:{port}/";
            var desk = new Desk(
                new Dictionary<string, string?>
                {
                    ["Database:Provider"] = provider.ToString(),
                    ["ConnectionStrings:ServiceDesk"] = connection,
                    ["Api:Keys:0"] = ApiKey,
                    ["Desk:DefaultLanguage"] = "en",
                    ["Channels:Sms:Twilio:AccountSid"] = AccountSid,
                    ["Channels:Sms:Twilio:AuthToken"] = AuthToken,
                    ["Channels:Sms:Twilio:FromNumber"] = DeskNumber,
                    ["Channels:Sms:Twilio:ApiBaseUrl"] = twilioApi.ToString(),
                    ["Channels:Sms:Twilio:PublicBaseUrl"] = baseUrl,
                },
                baseUrl);
            desk.UseKestrel(port);
            desk.StartServer();
            desk.Client = desk.CreateClient();
            desk.Api = desk.CreateClient();
            desk.Api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            Assert.Equal(new Uri(baseUrl), desk.Client.BaseAddress);
            return desk;
        }

        public async Task<XDocument> WebhookAsync(List<KeyValuePair<string, string>> fields)
        {
            var response = await PostSignedAsync("/api/sms/twilio", fields);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return XDocument.Parse(await response.Content.ReadAsStringAsync());
        }

        public Task<HttpResponseMessage> PostSignedAsync(string pathAndQuery, List<KeyValuePair<string, string>> fields)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add(TwilioSignature.HeaderName, TwilioSignature.Compute(AuthToken, BaseUrl.TrimEnd('/') + pathAndQuery, fields));
            return Client.SendAsync(request);
        }

        public async Task<Send> WaitForSendsAsync(int count)
        {
            await WaitForAsync(_ => Task.FromResult(_sends.Count >= count ? (bool?)true : null));
            return _sends.ElementAt(count - 1);
        }

        public async Task<T> QueryAsync<T>(Func<ServiceDeskDbContext, Task<T>> query)
        {
            await using var scope = Services.CreateAsyncScope();
            return await query(scope.ServiceProvider.GetRequiredService<ServiceDeskDbContext>());
        }

        /// <summary>Polls until the query answers non-null; fails after 30 seconds.</summary>
        public async Task<T> WaitForAsync<T>(Func<ServiceDeskDbContext, Task<T?>> query)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                if (await QueryAsync(query) is { } found)
                {
                    return found;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The condition was not met within 30 seconds.");
                }

                await Task.Delay(50);
            }
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in _settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services =>
                services.AddHttpClient<TwilioClient>().AddHttpMessageHandler(() => new Recorder(_sends)));
        }

    }

    internal sealed record Send(int Status, Dictionary<string, string> Form);

    /// <summary>Sees what the desk sends to the Twilio API and what the mock answers.</summary>
    private sealed class Recorder(ConcurrentQueue<Send> sends) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            var form = body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p[1]));
            sends.Enqueue(new Send((int)response.StatusCode, form));
            return response;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    // Hangfire keeps its storage in a static: hosts run one at a time.
    public const string Name = "end-to-end";
}
