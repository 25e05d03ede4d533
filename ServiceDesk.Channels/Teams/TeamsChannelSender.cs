using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServiceDesk.Core;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Delivers the desk's notifications in Teams (and any Bot Framework channel) as proactive messages
/// through the conversation reference stored when the user last wrote, and the bot's answers that could not
/// be sent during the user's turn as the activity prepared then. A timeout or a connection lost
/// after the activity went out is Unconfirmed (Teams has no delivery key to de-duplicate a resend).
/// </summary>
public sealed partial class TeamsChannelSender(BotConnectorClient connector, ILogger<TeamsChannelSender> logger) : IChannelSender
{
    public Channel Channel => Channel.Teams;

    public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        Activity activity;
        if (message.Payload is { } payload)
        {
            // A bot's answer: the card the user should have seen in the turn, addressed to the conversation it answers.
            if (Prepared(payload) is not { } prepared)
            {
                return DeliveryResult.Permanent("The stored Teams activity is not usable (no serviceUrl or conversation).");
            }

            activity = prepared;
        }
        else if (ConversationReference.Parse(message.ReplyHandle) is { } reference)
        {
            activity = TeamsActivities.FromNotification(message, AdaptiveCards.StyleFor(reference.ChannelId)).AddressTo(reference);
        }
        else
        {
            return DeliveryResult.Permanent("There is no Teams conversation to write in (no conversation reference stored).");
        }

        try
        {
            var conversationId = activity.Conversation!.Id!;
            var sent = await connector.SendToConversationAsync(activity.ServiceUrl!, conversationId, activity, cancellationToken);
            return DeliveryResult.Sent(sent?.Id is { Length: > 0 } id ? TeamsActivities.ExternalId(conversationId, id) : null);
        }
        catch (Exception e) when (Failure(e, cancellationToken) is { } failure)
        {
            switch (e)
            {
                case ConnectorException { IsRecipientBlocked: true } blocked:
                    LogBlocked(message.TicketNumber, blocked.ErrorCode);
                    break;
                case UntrustedServiceUrlException untrusted:
                    LogUntrusted(message.TicketNumber, untrusted.ServiceUrl);
                    break;
            }

            return failure;
        }
    }

    /// <summary>
    /// What a failed call to the Connector means for the message: refused for good (a blocked user makes the
    /// address unreachable), worth sending again (throttled, a gateway error, no token, a connection that never
    /// opened), or unconfirmed (the Connector may have posted it before the answer was lost). Null for an
    /// exception that is no failure of the call (the caller's own cancellation).
    /// </summary>
    public static DeliveryResult? Failure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ConnectorException { IsRecipientBlocked: true } e => DeliveryResult.Permanent(e.Message, recipientUnreachable: true),
        ConnectorException { IsTransient: true } e => DeliveryResult.Transient(e.Message, e.RetryAfter),
        ConnectorException e => DeliveryResult.Permanent(e.Message),
        UntrustedServiceUrlException e => DeliveryResult.Permanent(e.Message),
        ConnectorTokenException e => DeliveryResult.Transient(e.Message),
        HttpRequestException or IOException or TaskCanceledException when !cancellationToken.IsCancellationRequested => TransportFailure.ToResult(exception),
        _ => null,
    };

    /// <summary>An activity prepared earlier, or null when it lacks where to go.</summary>
    private static Activity? Prepared(string payload)
    {
        try
        {
            var activity = JsonSerializer.Deserialize(payload, TeamsJson.Default.Activity);
            return activity is { ServiceUrl.Length: > 0, Conversation.Id.Length: > 0 } ? activity : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Teams refused the update for {TicketNumber}: the user blocked the bot or the chat ({Code}); the identity is marked unreachable")]
    private partial void LogBlocked(string ticketNumber, string? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not sending the update for {TicketNumber} to {ServiceUrl}: that serviceUrl is not trusted")]
    private partial void LogUntrusted(string ticketNumber, string serviceUrl);
}
