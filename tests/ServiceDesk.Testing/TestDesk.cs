using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Testing;

/// <summary>The desk's core on a fresh database of the chosen provider, with a manual clock and a recording scheduler.</summary>
public sealed class TestDesk : IAsyncDisposable
{
    private readonly string? _sqliteFolder;

    private TestDesk(ServiceProvider services, ManualTimeProvider time, RecordingScheduler scheduler, string? sqliteFolder)
    {
        Services = services;
        Time = time;
        Scheduler = scheduler;
        _sqliteFolder = sqliteFolder;
    }

    /// <summary>Monday 23 November 2026, 10:00 in Madrid: inside business hours.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public ServiceProvider Services { get; }

    public ManualTimeProvider Time { get; }

    public RecordingScheduler Scheduler { get; }

    /// <param name="channels">
    /// The channels the desk can send on (default: e-mail, SMS and Teams). Each gets a recording sender, registered after
    /// <paramref name="configure"/> ran, so a sender registered there for the same channel is the one used.
    /// </param>
    public static async Task<TestDesk> CreateAsync(
        DatabaseProvider provider,
        Action<IServiceCollection>? configure = null,
        IDictionary<string, string?>? settings = null,
        IReadOnlyCollection<Channel>? channels = null)
    {
        string? folder = null;
        string connectionString;
        if (provider == DatabaseProvider.PostgreSql)
        {
            connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        }
        else if (provider == DatabaseProvider.Sqlite)
        {
            folder = Path.Combine(Path.GetTempPath(), "servicedesk-tests", Guid.NewGuid().ToString("N"));
            connectionString = $"Data Source={Path.Combine(folder, "desk.db")}";
        }
        else
        {
            throw new NotSupportedException($"{provider} cannot run on this machine.");
        }

        var values = new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ServiceDesk"] = connectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var time = new ManualTimeProvider(DefaultStart);
        var scheduler = new RecordingScheduler();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddServiceDeskCore(configuration, Path.Combine(folder ?? Path.GetTempPath(), "unused.db"));
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
        services.AddSingleton<IOutboxScheduler>(scheduler);
        configure?.Invoke(services);
        foreach (var channel in channels ?? [Channel.Email, Channel.Sms, Channel.Teams])
        {
            services.AddSingleton<IChannelSender>(new RecordingChannelSender(channel));
        }

        var provider_ = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await DatabaseInitializer.InitializeAsync(provider_, CancellationToken.None);

        // The core's background services run as in the host (the SQLite checkpoint).
        foreach (var hosted in provider_.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return new TestDesk(provider_, time, scheduler, folder);
    }

    /// <summary>Runs work in its own DI scope (its own DbContext), like one request or one job.</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async Task InScopeAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = Services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in Services.GetServices<IHostedService>().Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
        if (_sqliteFolder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteFolder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by the OS is cleaned up with the temp folder.
            }
        }
    }
}
