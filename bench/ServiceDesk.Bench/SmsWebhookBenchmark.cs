extern alias host;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bench;

internal sealed record SmsRun(
    string Provider,
    int Webhooks,
    int Concurrency,
    double Seconds,
    double WebhooksPerSecond,
    LatencySummary Latency,
    int Failures,
    long AllocatedBytesPerWebhook,
    double CpuMicrosecondsPerWebhook,
    int Gen0Collections,
    int Gen2Collections,
    long PeakWorkingSetMb,
    int WarmUpWebhooks,
    double JitMilliseconds,
    SmsBreakdown Breakdown);

/// <summary>
/// Where a webhook's CPU goes, measured in-process on the same host: the SMS handling without HTTP
/// (keywords, contact lookup, bot, TwiML), and the chat bot alone (intake plus its own queries).
/// </summary>
internal sealed record SmsBreakdown(double ConversationCpuMicroseconds, double BotCpuMicroseconds, double SignatureMicroseconds);

/// <summary>
/// Signed Twilio webhooks end to end over real HTTP: the desk on Kestrel (loopback), concurrent
/// clients posting form-encoded, signed inbound SMS; each is validated, goes through the chat bot and
/// the intake (one transaction) and is answered with TwiML. Half come from new numbers (a new
/// ticket), half from returning ones (appended to their ticket).
/// </summary>
internal static class SmsWebhookBenchmark
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "bench-auth-token";
    private const string DeskNumber = "+15005550006";

    public static async Task<SmsRun> RunAsync(DatabaseProvider provider, string connectionString, int webhooks, int concurrency)
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        await using var desk = new Host(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ServiceDesk"] = connectionString,
            ["Desk:DefaultLanguage"] = "en",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Channels:Sms:Twilio:AccountSid"] = AccountSid,
            ["Channels:Sms:Twilio:AuthToken"] = AuthToken,
            ["Channels:Sms:Twilio:FromNumber"] = DeskNumber,

            // Nothing is sent in this run (the bot answers in TwiML); a closed port refuses fast if anything tried.
            ["Channels:Sms:Twilio:ApiBaseUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["Channels:Sms:Twilio:PublicBaseUrl"] = baseUrl,
        });
        desk.UseKestrel(port);
        desk.StartServer();

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl),
        };
        var url = baseUrl + "/api/sms/twilio";

        // Twilio signs; that is not the desk's work, so the requests are prepared before the clock starts.
        var warmUp = await WarmUpAsync(client, concurrency, url);
        var run = Prepare("run", webhooks, concurrency, url);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var recorder = new LatencyRecorder(webhooks);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var clock = Stopwatch.StartNew();
        var failures = await DriveAsync(client, run, concurrency, recorder);
        clock.Stop();
        var jitDuringRun = (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds;
        var cpuSpent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var allocatedPerWebhook = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / webhooks;
        var breakdown = await BreakdownAsync(desk.Services, Math.Max(200, webhooks / 3), concurrency, url);

        return new SmsRun(
            provider.ToString(),
            webhooks,
            concurrency,
            Math.Round(clock.Elapsed.TotalSeconds, 2),
            Math.Round(webhooks / clock.Elapsed.TotalSeconds, 0),
            recorder.Summarise(),
            failures,
            allocatedPerWebhook,
            Math.Round(cpuSpent.TotalMicroseconds / webhooks, 0),
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(2) - gen2,
            Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024),
            warmUp,
            Math.Round(jitDuringRun, 0),
            breakdown);
    }

    private static async Task<SmsBreakdown> BreakdownAsync(IServiceProvider services, int turns, int concurrency, string url)
    {
        var conversation = await CpuPerTurnAsync(services, "conv", turns, concurrency, (scope, sms) => scope.GetRequiredService<host::ServiceDesk.Bot.Sms.SmsConversation>().HandleAsync(sms, CancellationToken.None));
        var bot = await CpuPerTurnAsync(services, "bot", turns, concurrency, async (scope, sms) =>
        {
            var turn = new host::ServiceDesk.Bot.Dialog.ChatTurn
            {
                Message = new ServiceDesk.Core.Intake.InboundMessage
                {
                    Channel = ServiceDesk.Core.Channel.Sms,
                    ExternalId = sms.MessageSid,
                    SenderAddress = sms.From,
                    ConversationKey = sms.ConversationKey,
                    ReplyHandle = new SmsReplyHandle(sms.To).ToJson(),
                    Text = sms.Body,
                    Locale = sms.Locale,
                },
            };
            await scope.GetRequiredService<host::ServiceDesk.Bot.Dialog.IChatBot>().HandleAsync(turn, CancellationToken.None);
            return Array.Empty<byte>();
        });

        var fields = Fields("sig", 1, 1, "SM" + Guid.NewGuid().ToString("N"));
        var signature = TwilioSignature.Compute(AuthToken, url, fields);
        var clock = Stopwatch.StartNew();
        const int Checks = 20_000;
        for (var i = 0; i < Checks; i++)
        {
            TwilioSignature.IsValid(AuthToken, signature, url, fields);
        }

        return new SmsBreakdown(conversation, bot, Math.Round(clock.Elapsed.TotalMicroseconds / Checks, 1));
    }

    private static async Task<double> CpuPerTurnAsync(IServiceProvider services, string tag, int turns, int concurrency, Func<IServiceProvider, TwilioInboundSms, Task<byte[]>> handle)
    {
        var messages = Enumerable.Range(0, turns).Select(i =>
        {
            var fields = Fields(tag, i, concurrency, "SM" + Guid.NewGuid().ToString("N"));
            return TwilioInboundSms.Parse(name => fields.FirstOrDefault(f => f.Key == name).Value, out _)!;
        }).ToList();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < messages.Count)
            {
                await using var scope = services.CreateAsyncScope();
                await handle(scope.ServiceProvider, messages[i]);
            }
        })));
        return Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / turns, 0);
    }

    /// <summary>Rounds of webhooks until the JIT is done with the hot path; returns how many that took.</summary>
    private static Task<int> WarmUpAsync(HttpClient client, int concurrency, string url) =>
        JitWarmUp.RunAsync(round =>
        {
            // Signing is the load generator's work: done before the round's clock starts.
            var requests = Prepare($"warm{round}", JitWarmUp.RoundSize, concurrency, url);
            return () => DriveAsync(client, requests, concurrency, recorder: null);
        });

    private static List<(FormUrlEncodedContent Body, string Signature)> Prepare(string tag, int count, int concurrency, string url)
    {
        var requests = new List<(FormUrlEncodedContent, string)>(count);
        for (var i = 0; i < count; i++)
        {
            var fields = Fields(tag, i, concurrency, "SM" + Guid.NewGuid().ToString("N"));
            requests.Add((new FormUrlEncodedContent(fields), TwilioSignature.Compute(AuthToken, url, fields)));
        }

        return requests;
    }

    /// <summary>An inbound SMS webhook's fields. Even: a new person. Odd: one of the regular senders follows up.</summary>
    private static List<KeyValuePair<string, string>> Fields(string tag, int i, int concurrency, string sid)
    {
        var from = i % 2 == 0 ? $"+34{700000000 + i}" : $"+3460{i % (concurrency * 4):D4}{tag.Length:D1}000";
        if (i % 2 == 0 && tag != "run")
        {
            from = $"+34{800000000 + (tag.Length * 10_000_000) + i}";
        }

        return
        [
            new("ToCountry", "US"), new("SmsMessageSid", sid), new("NumMedia", "0"), new("SmsSid", sid), new("SmsStatus", "received"),
            new("Body", i % 2 == 0 ? $"My laptop will not start ({i})" : $"More details: the screen stays black ({i})"),
            new("FromCountry", "ES"), new("To", DeskNumber), new("NumSegments", "1"), new("MessageSid", sid),
            new("AccountSid", AccountSid), new("From", from), new("ApiVersion", "2010-04-01"),
        ];
    }

    private static async Task<int> DriveAsync(HttpClient client, List<(FormUrlEncodedContent Body, string Signature)> requests, int concurrency, LatencyRecorder? recorder)
    {
        var next = -1;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < requests.Count)
            {
                var (body, signature) = requests[i];
                async Task<HttpStatusCode> SendAsync()
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sms/twilio") { Content = body };
                    request.Headers.Add(TwilioSignature.HeaderName, signature);
                    using var response = await client.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    return response.StatusCode;
                }

                var status = recorder is null ? await SendAsync() : await recorder.TimeAsync(SendAsync);
                if (status != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));
        return failures;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Host(Dictionary<string, string?> settings) : WebApplicationFactory<host::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // As the desk runs in production (the factory's default is Development: developer exception page, scope validation).
            builder.UseEnvironment(Environments.Production);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
