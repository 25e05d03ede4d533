using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Channels.Sms;

/// <summary>
/// Delivers outbox messages as SMS through Twilio. The StatusCallback URL carries the outbox delivery
/// key, so Twilio's callbacks find the message even when the answer to the send never arrived; a retry
/// whose earlier attempt Twilio reported that way is recorded as sent instead of being sent again. Only a
/// failure to connect is retried; a timeout or a connection lost after the request went out is Unconfirmed.
/// </summary>
public sealed partial class SmsChannelSender(
    TwilioClient twilio,
    ServiceDeskDbContext db,
    SmsConsent consent,
    TwilioPublicBase publicBase,
    IOptions<TwilioOptions> options,
    IOptions<SmsOptions> sms,
    ILogger<SmsChannelSender> logger) : IChannelSender
{
    /// <summary>The StatusCallback path, relative to the public base URL.</summary>
    public const string StatusPath = "/api/sms/twilio/status";

    /// <summary>The query parameter of the StatusCallback URL holding the delivery key.</summary>
    public const string DeliveryKeyParameter = "key";

    private readonly TwilioOptions _options = options.Value;

    public Channel Channel => Channel.Sms;

    public async Task<DeliveryResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var known = await db.Messages.AsNoTracking().Where(m => m.Id == message.MessageId).Select(m => m.ExternalId).SingleOrDefaultAsync(cancellationToken);
        if (known is not null)
        {
            LogAlreadySent(message.MessageId, known);
            return DeliveryResult.Sent(known);
        }

        var request = new TwilioNewMessage(
            To: message.Recipient,
            Body: SmsText.Compose(message.Body, message.Language, message.TicketNumber, sms.Value.MaxSegments),
            From: SmsReplyHandle.FromJson(message.ReplyHandle)?.DeskNumber ?? _options.FromNumber,
            MessagingServiceSid: string.IsNullOrWhiteSpace(_options.MessagingServiceSid) ? null : _options.MessagingServiceSid,
            StatusCallback: await StatusCallbackForAsync(message, cancellationToken));
        try
        {
            var created = await twilio.CreateMessageAsync(request, cancellationToken);
            return DeliveryResult.Sent(created.Sid);
        }
        catch (TwilioApiException e)
        {
            return await FailureAsync(message, e, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Twilio may have created the message before the answer was lost: Unconfirmed unless the connection never
            // opened. Its status callback names the delivery key, which confirms an Unconfirmed message later.
            return TransportFailure.ToResult(e);
        }
    }

    private async Task<DeliveryResult> FailureAsync(OutboundMessage message, TwilioApiException e, CancellationToken cancellationToken)
    {
        if (e.Code == TwilioErrors.UnsubscribedRecipient)
        {
            // Not a dead number: the person can text START again. Mark the contact so nothing more is queued.
            await consent.OptOutAsync(message.Recipient, $"Twilio {e.Code}", cancellationToken);
            return DeliveryResult.Permanent($"The recipient has opted out of SMS (Twilio {e.Code}).");
        }

        if (TwilioErrors.MeansUnreachable(e.Code))
        {
            return DeliveryResult.Permanent($"Twilio {e.Code}: {e.Detail}", recipientUnreachable: true);
        }

        if (e.Status == HttpStatusCode.TooManyRequests || (int)e.Status >= 500)
        {
            return DeliveryResult.Transient(e.Message, e.RetryAfter);
        }

        return DeliveryResult.Permanent(e.Message);
    }

    private async Task<string?> StatusCallbackForAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (await publicBase.GetAsync(cancellationToken) is not { } baseUrl)
        {
            LogNoStatusCallback(message.MessageId);
            return null;
        }

        return $"{baseUrl}{StatusPath}?{DeliveryKeyParameter}={message.DeliveryKey:N}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS message {MessageId} goes without a StatusCallback, so its delivery will not be tracked: Channels:Sms:Twilio:PublicBaseUrl is empty and no signed Twilio webhook has arrived yet")]
    private partial void LogNoStatusCallback(long messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS message {MessageId} already reached Twilio as {Sid}; not sent again")]
    private partial void LogAlreadySent(long messageId, string sid);
}
