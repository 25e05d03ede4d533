using Microsoft.Extensions.Logging;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Delivers the desk's notifications in Teams (and any Bot Framework channel) as proactive messages
/// through the conversation reference stored when the user last wrote. A timeout or a connection lost
/// after the activity went out is Unconfirmed (Teams has no delivery key to de-duplicate a resend).
/// </summary>
public sealed partial class TeamsChannelSender(BotConnectorClient connector, ILogger<TeamsChannelSender> logger) : IChannelSender
{
    public Channel Channel => Channel.Teams;

    public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (ConversationReference.Parse(message.ReplyHandle) is not { } reference)
        {
            return DeliveryResult.Permanent("There is no Teams conversation to write in (no conversation reference stored).");
        }

        var activity = TeamsActivities.FromNotification(message, AdaptiveCards.StyleFor(reference.ChannelId)).AddressTo(reference);
        try
        {
            var sent = await connector.SendToConversationAsync(reference.ServiceUrl, reference.Conversation.Id!, activity, cancellationToken);
            return DeliveryResult.Sent(sent?.Id is { Length: > 0 } id ? TeamsActivities.ExternalId(reference.Conversation.Id!, id) : null);
        }
        catch (ConnectorException e) when (e.IsRecipientBlocked)
        {
            LogBlocked(message.TicketNumber, e.ErrorCode);
            return DeliveryResult.Permanent(e.Message, recipientUnreachable: true);
        }
        catch (ConnectorException e) when (e.IsTransient)
        {
            return DeliveryResult.Transient(e.Message, e.RetryAfter);
        }
        catch (ConnectorException e)
        {
            return DeliveryResult.Permanent(e.Message);
        }
        catch (UntrustedServiceUrlException e)
        {
            LogUntrusted(message.TicketNumber, e.ServiceUrl);
            return DeliveryResult.Permanent(e.Message);
        }
        catch (ConnectorTokenException e)
        {
            return DeliveryResult.Transient(e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The Connector may have posted the activity before the answer was lost: only a connection that never opened is retried.
            return TransportFailure.ToResult(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams refused the update for {TicketNumber}: the user blocked the bot or the chat ({Code}); the identity is marked unreachable")]
    private partial void LogBlocked(string ticketNumber, string? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not sending the update for {TicketNumber} to {ServiceUrl}: that serviceUrl is not trusted")]
    private partial void LogUntrusted(string ticketNumber, string serviceUrl);
}
