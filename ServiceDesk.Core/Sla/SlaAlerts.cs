using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Sla;

/// <summary>
/// One SLA warning or breach to tell agents about live. <paramref name="AgentId"/> is the assignee's account when the
/// assignee is a known agent; null means nobody holds the ticket and every agent watching the queue should hear.
/// </summary>
public sealed record SlaAlert(long TicketId, string TicketNumber, TicketEventKind Kind, DateTimeOffset DueAt, string? AgentId);

/// <summary>
/// Tells live views (the agent console) of SLA alerts, after they were committed. Like <see cref="Conversations.IDeskEvents"/>
/// a hint: implementations may drop alerts (the ticket's timeline and the queue's "at risk" filter keep them) but must not throw.
/// </summary>
public interface ISlaAlerts
{
    Task RaiseAsync(IReadOnlyList<SlaAlert> alerts, CancellationToken cancellationToken);
}

/// <summary>An agent account as far as SLA alerts need it.</summary>
public sealed record AgentContact(string Id, string? Email);

/// <summary>Finds the agent behind a ticket's assignee (the host keeps the accounts).</summary>
public interface IAgentDirectory
{
    /// <summary>The agent whose display name, user name or e-mail is <paramref name="assignee"/>, or null.</summary>
    Task<AgentContact?> FindAsync(string assignee, CancellationToken cancellationToken);
}

/// <summary>The defaults when no console is attached (tests of the core, tools): no live alerts, no agent accounts.</summary>
public sealed class NoSlaAlerts : ISlaAlerts, IAgentDirectory
{
    public Task RaiseAsync(IReadOnlyList<SlaAlert> alerts, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<AgentContact?> FindAsync(string assignee, CancellationToken cancellationToken) => Task.FromResult<AgentContact?>(null);
}

public static class SlaWatchServiceCollectionExtensions
{
    public static IServiceCollection AddSlaWatch(this IServiceCollection services)
    {
        services.AddScoped<SlaWatch>();
        services.TryAddSingleton<ISlaAlerts, NoSlaAlerts>();
        services.TryAddScoped<IAgentDirectory, NoSlaAlerts>();
        return services;
    }
}
