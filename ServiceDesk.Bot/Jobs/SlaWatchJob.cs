using Hangfire;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Bot.Jobs;

/// <summary>The minutely SLA watch: warnings, breaches, escalation, agents told (see <see cref="SlaWatch"/>).</summary>
public sealed class SlaWatchJob(SlaWatch watch)
{
    // One run at a time per storage; a second instance's run would still warn nothing twice (SlaWatch's transaction).
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RunAsync(CancellationToken cancellationToken) => watch.RunAsync(cancellationToken);
}
