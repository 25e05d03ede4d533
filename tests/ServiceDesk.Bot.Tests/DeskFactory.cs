using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests;

/// <summary>
/// The real host (Kestrel-free test server) on a fresh database: SQLite or the test PostgreSQL,
/// with real Hangfire job processing and recording channels in place of Teams, e-mail and SMS.
/// </summary>
public sealed class DeskFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-key-123";
    public const string AdminEmail = "admin@desk.test";
    public const string AdminPassword = "Admin-Pass-2026";

    private readonly Dictionary<string, string?> _settings;

    private DeskFactory(Dictionary<string, string?> settings) => _settings = settings;

    public RecordingChannelSender Email { get; } = new(Channel.Email);

    public RecordingChannelSender Sms { get; } = new(Channel.Sms);

    public string ConnectionString => _settings["ConnectionStrings:ServiceDesk"]!;

    public static async Task<DeskFactory> CreateAsync(DatabaseProvider provider, string? connectionString = null, bool withChannels = true)
    {
        connectionString ??= provider == DatabaseProvider.PostgreSql
            ? await (await PostgresServer.GetAsync()).CreateDatabaseAsync("api")
            : $"Data Source={Path.Combine(Path.GetTempPath(), "servicedesk-tests", Guid.NewGuid().ToString("N"), "desk.db")}";
        var factory = new DeskFactory(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ServiceDesk"] = connectionString,
            ["Api:Keys:0"] = ApiKey,
            ["Desk:DefaultLanguage"] = "en",
            ["Agents:Bootstrap:Email"] = AdminEmail,
            ["Agents:Bootstrap:Password"] = AdminPassword,
        })
        {
            WithChannels = withChannels,
        };
        return factory;
    }

    private bool WithChannels { get; init; }

    private TimeProvider? Time { get; set; }

    /// <summary>Runs the host on this clock (sessions, SLA, throttles) so a test moves time instead of waiting.</summary>
    public DeskFactory WithTime(TimeProvider time)
    {
        Time = time;
        return this;
    }

    /// <summary>Overrides one setting before the host starts.</summary>
    public DeskFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            // Webhook samples name Twilio's real media hosts; the media job must never reach them from a test.
            services.AddHttpClient<TwilioMediaClient>().AddHttpMessageHandler(() => new LoopbackOnlyHandler());
            if (Time is not null)
            {
                services.AddSingleton(Time);
            }

            if (WithChannels)
            {
                services.AddSingleton<IChannelSender>(Email);
                services.AddSingleton<IChannelSender>(Sms);
            }
        });
    }
}

/// <summary>Fails a request to anything but this machine as a network without a route would.</summary>
internal sealed class LoopbackOnlyHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.RequestUri is { IsLoopback: true }
            ? base.SendAsync(request, cancellationToken)
            : throw new HttpRequestException($"Tests reach loopback only, not {request.RequestUri?.Host}.");
}
