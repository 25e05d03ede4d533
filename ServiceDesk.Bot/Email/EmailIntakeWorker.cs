using ServiceDesk.Channels.Email.Receiving;

namespace ServiceDesk.Bot.Email;

/// <summary>
/// Runs the mailbox reader for the life of the app. Every instance runs one; the database lease lets only
/// one of them read the mailbox, and another takes over when it stops or dies.
/// </summary>
/// <remarks>A hosted service rather than a Hangfire job: IDLE keeps one connection open for minutes at a time.</remarks>
public sealed class EmailIntakeWorker(ImapIntake intake) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => intake.RunAsync(stoppingToken);
}
