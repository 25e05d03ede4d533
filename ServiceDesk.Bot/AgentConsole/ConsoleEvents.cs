using Microsoft.AspNetCore.SignalR;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>
/// Tells connected agents what changed, over SignalR. Only ids travel; pages fetch the fresh, escaped
/// HTML from the server. Without a SignalR backplane an event reaches the agents connected to this
/// instance only: pages also refresh from the database every few seconds, so with several instances
/// nothing is missed, only seen a little later.
/// </summary>
public sealed partial class ConsoleEvents(IHubContext<ConsoleHub> hub, ILogger<ConsoleEvents> logger) : IDeskEvents
{
    /// <summary>Client method names.</summary>
    public const string BoardChanged = "board";
    public const string Waiting = "waiting";
    public const string ConversationChanged = "conversation";
    public const string TicketChanged = "ticket";

    public Task MessageAddedAsync(long ticketId, long? conversationId, long messageId, CancellationToken cancellationToken) =>
        SafelyAsync(async () =>
        {
            if (conversationId is { } id)
            {
                await hub.Clients.Group(ConsoleHub.ConversationGroup(id)).SendAsync(ConversationChanged, id, cancellationToken);
                await hub.Clients.All.SendAsync(BoardChanged, cancellationToken);
            }

            await hub.Clients.Group(ConsoleHub.TicketGroup(ticketId)).SendAsync(TicketChanged, ticketId, cancellationToken);
        });

    public Task ConversationChangedAsync(long conversationId, ConversationMode mode, CancellationToken cancellationToken) =>
        SafelyAsync(async () =>
        {
            await hub.Clients.Group(ConsoleHub.ConversationGroup(conversationId)).SendAsync(ConversationChanged, conversationId, cancellationToken);
            await hub.Clients.All.SendAsync(mode == ConversationMode.WaitingForAgent ? Waiting : BoardChanged, conversationId, cancellationToken);
        });

    public Task TicketChangedAsync(long ticketId, CancellationToken cancellationToken) =>
        SafelyAsync(() => hub.Clients.Group(ConsoleHub.TicketGroup(ticketId)).SendAsync(TicketChanged, ticketId, cancellationToken));

    private async Task SafelyAsync(Func<Task> send)
    {
        try
        {
            await send();
        }
        catch (Exception e)
        {
            // The change is committed, whatever happens here (even a cancelled request): a missed live
            // update is caught up by the pages' periodic refresh.
            LogFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live console update could not be sent")]
    private partial void LogFailed(Exception exception);
}
