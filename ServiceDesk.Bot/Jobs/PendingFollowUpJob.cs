using Hangfire;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Jobs;

/// <summary>Reminds requesters of Pending tickets and resolves those never answered (<see cref="PendingFollowUp"/>).</summary>
public sealed class PendingFollowUpJob(PendingFollowUp followUp)
{
    /// <summary>How often due reminders are looked for: the reminders are days apart, a few minutes late is fine.</summary>
    public const string Schedule = "*/5 * * * *";

    // One run at a time per storage; two instances on different storages are kept apart by the ticket's concurrency token.
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RunAsync(CancellationToken cancellationToken) => followUp.RunAsync(cancellationToken);
}
