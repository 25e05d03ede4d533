using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDesk.Channels.Email.Receiving;

namespace ServiceDesk.Bot.Email;

/// <summary>
/// Not ready while the mail server refuses the desk's credentials (a person must act); degraded while it is
/// unreachable (the reader retries by itself).
/// </summary>
public sealed class MailboxHealthCheck(MailboxStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = status.Current;
        var data = new Dictionary<string, object> { ["state"] = current.State.ToString(), ["since"] = current.Since };
        if (current.NextAttemptAt is { } next)
        {
            data["nextAttemptAt"] = next;
        }

        var result = current.State switch
        {
            MailboxState.AuthenticationFailed => HealthCheckResult.Unhealthy("Mailbox: " + current.Detail, data: data),
            MailboxState.Retrying => HealthCheckResult.Degraded("Mailbox: " + current.Detail, data: data),
            _ => HealthCheckResult.Healthy($"Mailbox {current.State}: {current.Detail}", data),
        };
        return Task.FromResult(result);
    }
}
