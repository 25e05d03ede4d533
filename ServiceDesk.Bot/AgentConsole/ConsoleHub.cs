using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using ServiceDesk.Bot.Agents;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Bot.AgentConsole;

/// <summary>
/// The console's live channel. The server only says "this changed" (see <see cref="ConsoleEvents"/>); pages
/// reload the affected part from the server, so nothing user-written travels through here unescaped.
/// </summary>
[Authorize(Policy = AgentPolicies.Console)]
public sealed partial class ConsoleHub(
    HandoffService handoff,
    ITypingRelay typing,
    TypingThrottle throttle,
    SignInManager<AgentUser> signIn,
    ConsoleConnections connections,
    ILogger<ConsoleHub> logger) : Hub
{
    public const string Path = "/hubs/console";

    public static string ConversationGroup(long id) => $"conversation:{id}";

    public static string TicketGroup(long id) => $"ticket:{id}";

    /// <summary>
    /// A session cookie is only re-checked against the account every <c>Agents:SessionCheckInterval</c>, and a
    /// connection lives for hours: check the account now, so a disabled or removed agent cannot (re)join the live feed.
    /// </summary>
    public override async Task OnConnectedAsync()
    {
        if (await signIn.ValidateSecurityStampAsync(Context.User) is null)
        {
            LogRefused(Context.UserIdentifier);

            // A hub error closes the connection and tells the client not to reconnect.
            throw new HubException("This session has ended: sign in again.");
        }

        connections.Add(Context);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The page shows this conversation: send its changes here.</summary>
    public Task WatchConversation(long conversationId) => Groups.AddToGroupAsync(Context.ConnectionId, ConversationGroup(conversationId));

    public Task WatchTicket(long ticketId) => Groups.AddToGroupAsync(Context.ConnectionId, TicketGroup(ticketId));

    /// <summary>The agent is typing in a conversation they hold: show it on the user's channel, at most once per interval.</summary>
    /// <remarks>
    /// The hub runs one call per connection at a time, so this await holds the agent's next hub call; the
    /// relay bounds it with a short timeout and never throws for a lost indicator.
    /// </remarks>
    public async Task Typing(long conversationId)
    {
        var agent = Context.User!.ToAgent();
        if (!throttle.TryAcquire(conversationId, agent.Id))
        {
            return;
        }

        var target = await handoff.AgentTypingAsync(conversationId, agent, Context.ConnectionAborted);
        if (target is { ReplyHandle: { } handle } found)
        {
            try
            {
                await typing.SendTypingAsync(found.Channel, handle, Context.ConnectionAborted);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // A lost typing indicator is harmless; the message itself goes through the outbox.
                LogTypingFailed(conversationId, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console connection of agent {AgentId} refused: the account is disabled, removed or its session was revoked")]
    private partial void LogRefused(string? agentId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Typing indicator for conversation {ConversationId} not delivered: {Error}")]
    private partial void LogTypingFailed(long conversationId, string error);
}

/// <summary>
/// At most one typing indicator per conversation per interval (3 s), however fast the agent types and
/// however many of their tabs are open. Per app instance: with several instances an indicator may go out
/// once per instance in the interval, which users do not notice.
/// </summary>
/// <remarks>
/// Counted per agent too: the check comes before the (database) check that the agent holds the conversation,
/// so a colleague's stale page that still sends keystrokes must not use up the holder's turn. Only the holder
/// gets an indicator sent, so this is still one per conversation.
/// </remarks>
public sealed class TypingThrottle(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    private readonly Dictionary<(long ConversationId, string AgentId), DateTimeOffset> _last = [];
    private readonly Lock _lock = new();

    public bool TryAcquire(long conversationId, string agentId)
    {
        var key = (conversationId, agentId);
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_last.TryGetValue(key, out var last) && now - last < Interval)
            {
                return false;
            }

            _last[key] = now;
            if (_last.Count > 10_000)
            {
                // Forget old entries now and then; an entry older than the interval means nothing any more.
                foreach (var stale in _last.Where(e => now - e.Value >= Interval).Select(e => e.Key).ToList())
                {
                    _last.Remove(stale);
                }
            }

            return true;
        }
    }
}
