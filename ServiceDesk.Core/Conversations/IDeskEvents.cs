namespace ServiceDesk.Core.Conversations;

/// <summary>
/// What the desk tells live views (the agent console) after a change has been committed. The core
/// calls it; the host implements it (SignalR). Notifications are hints to refresh, never the data
/// itself: a view that misses one (another app instance, a dropped connection) catches up from the
/// database, so implementations may drop events but must not throw.
/// </summary>
public interface IDeskEvents
{
    /// <summary>A message was stored on a ticket (and in a conversation, when it came through one).</summary>
    Task MessageAddedAsync(long ticketId, long? conversationId, long messageId, CancellationToken cancellationToken);

    /// <summary>A conversation changed mode or holder (queued for an agent, taken over, handed back).</summary>
    Task ConversationChangedAsync(long conversationId, ConversationMode mode, CancellationToken cancellationToken);

    /// <summary>A ticket's fields changed (status, priority, assignment, merge).</summary>
    Task TicketChangedAsync(long ticketId, CancellationToken cancellationToken);
}

/// <summary>The default when no live view is attached (tests of the core, tools, benchmarks).</summary>
public sealed class NoDeskEvents : IDeskEvents
{
    public Task MessageAddedAsync(long ticketId, long? conversationId, long messageId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ConversationChangedAsync(long conversationId, ConversationMode mode, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task TicketChangedAsync(long ticketId, CancellationToken cancellationToken) => Task.CompletedTask;
}
