using Microsoft.Extensions.Logging;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Shows "typing…" in the user's Teams chat while an agent writes: a <c>typing</c> activity sent to the stored
/// conversation reference. Fire-and-forget: one short attempt, never retried (a late indicator is wrong rather
/// than useful), and a failure is only logged, since the agent's message itself goes through the outbox.
/// Other channels have no indicator and are ignored.
/// </summary>
public sealed partial class TeamsTypingRelay(BotConnectorClient connector, ILogger<TeamsTypingRelay> logger) : ITypingRelay
{
    /// <summary>Shorter than the console's 3 s between indicators, so a slow Connector never has two pending for one chat.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task SendTypingAsync(Channel channel, string replyHandle, CancellationToken cancellationToken)
    {
        if (channel != Channel.Teams)
        {
            return;
        }

        if (ConversationReference.Parse(replyHandle) is not { } reference)
        {
            LogNoReference();
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var activity = new Activity { Type = ActivityTypes.Typing }.AddressTo(reference);
        try
        {
            await connector.SendToConversationOnceAsync(reference.ServiceUrl, reference.Conversation.Id!, activity, timeout.Token);
        }
        catch (ConnectorException e)
        {
            // Throttled, blocked by the user, or refused: the next keystrokes after the interval try again.
            LogRefused(reference.Conversation.Id!, (int)e.Status, e.ErrorCode);
        }
        catch (UntrustedServiceUrlException e)
        {
            LogUntrusted(e.ServiceUrl);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // No token, a connection lost, our timeout, or the agent closed the console.
            LogNotDelivered(reference.Conversation.Id!, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "No typing indicator: the conversation's reply handle is not a Teams conversation reference")]
    private partial void LogNoReference();

    [LoggerMessage(Level = LogLevel.Information, Message = "The Bot Connector refused the typing indicator for {ConversationId}: {Status} {Code}")]
    private partial void LogRefused(string conversationId, int status, string? code);

    [LoggerMessage(Level = LogLevel.Information, Message = "No typing indicator sent to {ServiceUrl}: that serviceUrl is not trusted")]
    private partial void LogUntrusted(string serviceUrl);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Typing indicator for {ConversationId} not delivered ({Kind}): {Error}")]
    private partial void LogNotDelivered(string conversationId, string kind, string error);
}
