using ServiceDesk.Channels.Teams;

namespace ServiceDesk.Bot.Teams;

public static class TeamsHostExtensions
{
    /// <summary>The Teams channel in the host: the protocol services and the activity handler behind <c>/api/messages</c>.</summary>
    public static IServiceCollection AddTeams(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTeamsChannel(configuration);
        services.AddScoped<TeamsActivityHandler>();
        return services;
    }
}
