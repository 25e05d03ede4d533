using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

/// <summary>The desk's core with the real SMS sender pointed at a Twilio endpoint (the spec mock or the stub).</summary>
internal sealed class SmsDesk : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "auth-token-for-tests";
    public const string DeskNumber = "+15005550006";

    private SmsDesk(TestDesk desk, TwilioOptions options, RecordingHttpHandler http)
    {
        Desk = desk;
        Options = options;
        Http = http;
    }

    public TestDesk Desk { get; }

    public TwilioOptions Options { get; }

    /// <summary>Every request the sender made, with the status it got.</summary>
    public RecordingHttpHandler Http { get; }

    /// <param name="timeout">The HTTP client's timeout (the host's is 30 s).</param>
    public static async Task<SmsDesk> CreateAsync(DatabaseProvider provider, Uri apiBase, Action<TwilioOptions>? configure = null, TimeSpan? timeout = null)
    {
        var options = new TwilioOptions
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            FromNumber = DeskNumber,
            ApiBaseUrl = apiBase.ToString(),
            PublicBaseUrl = "https://desk.example.com",
        };
        configure?.Invoke(options);
        var http = new RecordingHttpHandler();
        var desk = await TestDesk.CreateAsync(
            provider,
            services =>
            {
                services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
                services.AddSingleton(new HttpClient(http) { Timeout = timeout ?? TimeSpan.FromSeconds(30) });
                services.AddScoped<TwilioClient>();
                services.AddSingleton<TwilioPublicBase>();
                services.AddScoped<IChannelSender, SmsChannelSender>();
            },
            new Dictionary<string, string?> { ["Desk:DefaultLanguage"] = "en" },
            channels: [Channel.Email, Channel.Teams]);
        return new SmsDesk(desk, options, http);
    }

    /// <summary>An SMS from <paramref name="phone"/> through the intake: a ticket and its acknowledgement in the outbox.</summary>
    public Task<IntakeResult> ReceiveAsync(string phone, string text = "The printer on floor 2 jams") =>
        Desk.InScopeAsync(sp => sp.GetRequiredService<IntakeService>().ReceiveAsync(
            new InboundMessage
            {
                Channel = Channel.Sms,
                ExternalId = "SM" + Guid.NewGuid().ToString("N"),
                SenderAddress = phone,
                ConversationKey = $"{phone}|{DeskNumber}",
                ReplyHandle = new SmsReplyHandle(DeskNumber).ToJson(),
                Text = text,
            },
            CancellationToken.None));

    /// <summary>Runs the delivery jobs the core scheduled so far (those due now), as Hangfire would.</summary>
    public async Task<List<(long OutboxId, DateTimeOffset? NotBefore)>> DeliverScheduledAsync()
    {
        var jobs = Desk.Scheduler.Drain();
        foreach (var (id, _) in jobs)
        {
            await DeliverAsync(id);
        }

        return jobs;
    }

    public Task DeliverAsync(long outboxId) =>
        Desk.InScopeAsync(sp => sp.GetRequiredService<OutboxDispatcher>().DeliverAsync(outboxId, CancellationToken.None));

    public Task<T> QueryAsync<T>(Func<ServiceDeskDbContext, Task<T>> query) =>
        Desk.InScopeAsync(sp => query(sp.GetRequiredService<ServiceDeskDbContext>()));

    public Task<OutboxMessage> OutboxAsync(long id) =>
        QueryAsync(db => db.Outbox.AsNoTracking().Include(o => o.Message).SingleAsync(o => o.Id == id));

    public ValueTask DisposeAsync() => Desk.DisposeAsync();
}

/// <summary>Records the requests an HttpClient sends and the status each got, then passes them on.</summary>
internal sealed class RecordingHttpHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(HttpRequestMessage Request, string Body, int Status, string ResponseBody)> _exchanges = new();

    public IReadOnlyCollection<(HttpRequestMessage Request, string Body, int Status, string ResponseBody)> Exchanges => _exchanges;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        var responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        _exchanges.Enqueue((request, body, (int)response.StatusCode, responseBody));
        return response;
    }
}
