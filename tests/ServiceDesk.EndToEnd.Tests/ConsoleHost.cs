using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.EndToEnd.Tests;

/// <summary>
/// The real desk on Kestrel, listening on a free loopback port so a real browser can reach it, with a
/// fresh database, real Hangfire and recording channels in place of Teams, e-mail and SMS — or, when given
/// a <see cref="TwilioStub"/>, the real SMS channel: signed webhooks in, its sender out to the stub.
/// </summary>
public sealed class ConsoleHost : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@desk.test";
    public const string AdminPassword = "Admin-Pass-2026";

    /// <summary>The Twilio account of the real SMS channel (see <see cref="StartAsync"/>).</summary>
    public const string TwilioAccountSid = "AC00112233445566778899aabbccddeeff";
    public const string TwilioAuthToken = "console-e2e-auth-token";
    public const string SmsDeskNumber = "+15005550006";

    /// <summary>The address Twilio would see for the desk (behind a proxy): what it signs webhooks over.</summary>
    public const string SmsPublicBase = "https://desk.example.com";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _realSms;

    private ConsoleHost(Dictionary<string, string?> settings, bool realSms)
    {
        _settings = settings;
        _realSms = realSms;
    }

    public RecordingChannelSender Sms { get; } = new(Channel.Sms);

    public RecordingChannelSender Email { get; } = new(Channel.Email);

    public RecordingChannelSender Teams { get; } = new(Channel.Teams);

    public RecordingTypingRelay Typing { get; } = new();

    /// <summary>Where the browser finds the desk, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <param name="twilio">When set, the SMS channel is the real one, sending to this stub of Twilio's Messages API.</param>
    public static async Task<ConsoleHost> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, TwilioStub? twilio = null)
    {
        var connectionString = provider == DatabaseProvider.PostgreSql
            ? await (await PostgresServer.GetAsync()).CreateDatabaseAsync("e2e")
            : $"Data Source={Path.Combine(Path.GetTempPath(), "servicedesk-tests", Guid.NewGuid().ToString("N"), "desk.db")}";
        var host = new ConsoleHost(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ServiceDesk"] = connectionString,
            ["Desk:DefaultLanguage"] = "en",
            ["Agents:Bootstrap:Email"] = AdminEmail,
            ["Agents:Bootstrap:Password"] = AdminPassword,
        },
        realSms: twilio is not null);
        if (twilio is not null)
        {
            host._settings["Channels:Sms:Twilio:AccountSid"] = TwilioAccountSid;
            host._settings["Channels:Sms:Twilio:AuthToken"] = TwilioAuthToken;
            host._settings["Channels:Sms:Twilio:FromNumber"] = SmsDeskNumber;
            host._settings["Channels:Sms:Twilio:ApiBaseUrl"] = twilio.BaseUrl.ToString();
            host._settings["Channels:Sms:Twilio:PublicBaseUrl"] = SmsPublicBase;
        }

        host.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        host.StartServer();
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        host.BaseAddress = new Uri(addresses.First());
        return host;
    }

    /// <summary>Runs work in its own DI scope, like one request.</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            if (!_realSms)
            {
                services.AddSingleton<IChannelSender>(Sms);
            }

            services.AddSingleton<IChannelSender>(Email);
            services.AddSingleton<IChannelSender>(Teams);
            services.AddSingleton<ServiceDesk.Core.Conversations.ITypingRelay>(Typing);
        });
    }
}

/// <summary>Records the typing indicators the console asks channels to show.</summary>
public sealed class RecordingTypingRelay : ServiceDesk.Core.Conversations.ITypingRelay
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(Channel Channel, string ReplyHandle)> _sent = new();

    public IReadOnlyCollection<(Channel Channel, string ReplyHandle)> Sent => _sent;

    public Task SendTypingAsync(Channel channel, string replyHandle, CancellationToken cancellationToken)
    {
        _sent.Enqueue((channel, replyHandle));
        return Task.CompletedTask;
    }
}
