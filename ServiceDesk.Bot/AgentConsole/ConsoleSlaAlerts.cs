using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core.Sla;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>
/// SLA warnings and breaches as live alerts in the console: to the assignee's open pages when the assignee is an agent,
/// else to every agent with the console open (nobody holds the ticket, so whoever watches the queue may take it).
/// Only the ticket's id, number, the kind and the due instant travel; the page words the alert in the agent's language.
/// </summary>
public sealed partial class ConsoleSlaAlerts(IHubContext<ConsoleHub> hub, ILogger<ConsoleSlaAlerts> logger) : ISlaAlerts
{
    /// <summary>The client method name.</summary>
    public const string SlaAlert = "sla";

    public async Task RaiseAsync(IReadOnlyList<SlaAlert> alerts, CancellationToken cancellationToken)
    {
        foreach (var alert in alerts)
        {
            var payload = new { alert.TicketId, Number = alert.TicketNumber, Kind = alert.Kind.ToString(), alert.DueAt };
            try
            {
                var clients = alert.AgentId is { } agentId ? hub.Clients.User(agentId) : hub.Clients.All;
                await clients.SendAsync(SlaAlert, payload, cancellationToken);
            }
            catch (Exception e)
            {
                // Committed already: the timeline, the mail and the queue's "at risk" filter still tell.
                LogFailed(alert.TicketNumber, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live SLA alert for {Ticket} could not be sent")]
    private partial void LogFailed(string ticket, Exception exception);
}

/// <summary>Finds the agent a ticket is assigned to: the console assigns by display name; the API may use the e-mail or user name.</summary>
public sealed class AgentDirectory(UserManager<AgentUser> users) : IAgentDirectory
{
    public async Task<AgentContact?> FindAsync(string assignee, CancellationToken cancellationToken)
    {
        var normalized = users.NormalizeName(assignee);
        var email = users.NormalizeEmail(assignee);
        var agent = await users.Users
            .Where(u => u.DisplayName == assignee || u.NormalizedUserName == normalized || u.NormalizedEmail == email)
            .OrderBy(u => u.DisplayName == assignee ? 0 : 1)
            .Select(u => new { u.Id, u.Email })
            .FirstOrDefaultAsync(cancellationToken);
        return agent is null ? null : new AgentContact(agent.Id, agent.Email);
    }
}
