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
/// fresh database, real Hangfire and recording channels in place of Teams, e-mail and SMS.
/// </summary>
public sealed class ConsoleHost : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@desk.test";
    public const string AdminPassword = "Admin-Pass-2026";

    private readonly Dictionary<string, string?> _settings;

    private ConsoleHost(Dictionary<string, string?> settings) => _settings = settings;

    public RecordingChannelSender Sms { get; } = new(Channel.Sms);

    public RecordingChannelSender Email { get; } = new(Channel.Email);

    public RecordingChannelSender Teams { get; } = new(Channel.Teams);

    public RecordingTypingRelay Typing { get; } = new();

    /// <summary>Where the browser finds the desk, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ConsoleHost> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite)
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
        });
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
            services.AddSingleton<IChannelSender>(Sms);
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
