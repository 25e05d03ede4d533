using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Teams;

public static class TeamsServiceCollectionExtensions
{
    /// <summary>
    /// The Teams (Bot Framework) channel: options from <c>Channels:Teams</c>, the token validator, the
    /// Connector client, the outbox sender and the typing indicator. With no app id the channel still runs, without authentication.
    /// </summary>
    public static IServiceCollection AddTeamsChannel(this IServiceCollection services, IConfiguration configuration)
    {
        // On an unknown signing key the validator asks for fresh metadata and retries at once; by default
        // ConfigurationManager refreshes in the background and the retry would still see the old keys.
        AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", true);

        services.AddOptions<TeamsOptions>().Bind(configuration.GetSection(TeamsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(BotAuthenticator.MetadataClient, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(ConnectorTokenProvider.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));

        // A reply must reach the Connector well inside the 15 s the channel waits for our answer.
        // Without the factory's per-request log handlers (four lines and a scope per call): the client logs its
        // own retries and callers log failures, and a reply is posted for every message the desk answers.
        services.AddHttpClient(BotConnectorClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.AddSingleton<BotAuthenticator>();
        services.AddSingleton<ConnectorTokenProvider>();
        services.AddSingleton<ServiceUrlTrust>();
        services.AddSingleton<BotConnectorClient>();
        services.AddSingleton<IChannelSender, TeamsChannelSender>();

        // Replaces the core's "no indicator" default; the relay itself ignores other channels.
        services.AddSingleton<ITypingRelay, TeamsTypingRelay>();
        return services;
    }
}
