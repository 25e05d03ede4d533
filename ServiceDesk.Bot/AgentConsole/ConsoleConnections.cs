using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>
/// The console connections open on this instance, so disabling or removing an agent closes theirs at once
/// rather than leaving the live feed running until the page reconnects. Connections on other instances are
/// refused when they reconnect (<see cref="ConsoleHub.OnConnectedAsync"/>).
/// </summary>
public sealed class ConsoleConnections
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();

    public void Add(HubCallerContext connection) => _open[connection.ConnectionId] = connection;

    public void Remove(HubCallerContext connection) => _open.TryRemove(connection.ConnectionId, out _);

    /// <summary>Closes the agent's connections; returns how many there were.</summary>
    public int Close(string agentId)
    {
        var closed = 0;
        foreach (var connection in _open.Values.Where(c => c.UserIdentifier == agentId))
        {
            connection.Abort();
            closed++;
        }

        return closed;
    }
}
