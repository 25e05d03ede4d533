using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Hosting;

/// <summary>Ready only when the database answers.</summary>
public sealed class DatabaseHealthCheck(ServiceDeskDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy($"{db.Provider} reachable")
                : HealthCheckResult.Unhealthy($"{db.Provider} not reachable");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{db.Provider} not reachable", e);
        }
    }
}
