using Microsoft.AspNetCore.DataProtection;

namespace ServiceDesk.Bot.Agents;

public static class DataProtectionKeys
{
    /// <summary>
    /// The keys that protect the agents' cookies, anti-forgery tokens and sign-in state live in the desk's
    /// database, not in each machine's home folder: a session started on one app instance is valid on every
    /// other, and survives a redeployed container. One application name for all instances, whatever folder
    /// each runs from (the default would isolate instances deployed to different paths).
    /// </summary>
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName("ServiceDesk")
            .PersistKeysToDbContext<AgentIdentityDbContext>();
        return services;
    }
}
