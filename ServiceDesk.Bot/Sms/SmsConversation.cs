using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Bot.Dialog;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Core;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Bot.Sms;

/// <summary>
/// One incoming SMS: compliance keywords (STOP/START/HELP) are the channel's own business; everything
/// else is a turn for the chat bot, whose replies go back as TwiML in plain text.
/// </summary>
public sealed partial class SmsConversation(
    IChatBot bot,
    SmsConsent consent,
    ServiceDeskDbContext db,
    IOptions<DeskOptions> desk,
    IOptions<SmsOptions> options,
    TwilioMediaHosts mediaHosts,
    SmsMediaScheduler mediaJobs,
    ILogger<SmsConversation> logger)
{
    public async Task<byte[]> HandleAsync(TwilioInboundSms sms, CancellationToken cancellationToken)
    {
        var keyword = SmsKeywords.Classify(sms.Body, sms.OptOutType);
        if (keyword == SmsKeyword.OptOut)
        {
            await consent.OptOutAsync(sms.From, Source(sms), cancellationToken);

            // Twilio confirms the opt-out itself and would refuse anything the desk sent now.
            return Twiml.Empty;
        }

        // A keyword is answered from who the sender is; an ordinary message learns that from the bot's turn (below).
        SenderFacts? sender = null;
        if (keyword != SmsKeyword.None)
        {
            var known = sender = await SenderAsync(sms, cancellationToken);
            switch (keyword)
            {
                case SmsKeyword.OptIn when known.OptedOut:
                    var change = await consent.OptInAsync(sms.From, Source(sms), cancellationToken);
                    return Reply(SmsTexts.Format("OptedIn", change.Language, desk.Value.Name), change.Language);
                case SmsKeyword.OptIn when SmsKeywords.IsOnlyOptIn(sms.Body) || sms.OptOutType is { Length: > 0 }:
                    // Already subscribed (or a redelivery of the START): nothing to change, nothing to say.
                    return Twiml.Empty;
                case SmsKeyword.Help:
                    return Reply(SmsTexts.Format("Help", known.Language, desk.Value.Name), known.Language);
            }
        }

        var inbound = ToInbound(sms);
        var result = await bot.HandleAsync(new ChatTurn { Message = inbound, RichReplies = false }, cancellationToken);
        if (!result.Duplicate && inbound.Attachments.Count > 0)
        {
            // Fetched after the answer: Twilio waits for the TwiML, and a download may take seconds or need retries.
            mediaJobs.Schedule(sms.MessageSid);
        }

        if (result.Duplicate || result.Replies.Count == 0)
        {
            return Twiml.Empty;
        }

        // The turn loaded the sender's contact (created it for a first message) in its transaction: no second query.
        sender ??= await TrackedSenderAsync(result.ContactId, cancellationToken) ?? await SenderAsync(sms, cancellationToken);
        if (sender.OptedOut)
        {
            // The message is on the ticket; the answer cannot go out until the person texts START.
            LogSilencedReply(result.TicketNumber);
            return Twiml.Empty;
        }

        var language = result.Language ?? sender.Language;
        return Twiml.Messages(result.Replies.Select(r => SmsText.Compose(r.ToPlainText(), language, result.TicketNumber, options.Value.MaxSegments)));
    }

    /// <summary>
    /// The sender as the chat bot's turn left them tracked, or null when it did not. Found by key in the change tracker: a
    /// search of its local views would first run the change detection over every entity the turn tracked.
    /// </summary>
    private async Task<SenderFacts?> TrackedSenderAsync(long contactId, CancellationToken cancellationToken) =>
        contactId != 0 && await db.Contacts.FindAsync([contactId], cancellationToken) is { } contact
            ? new SenderFacts(true, contact.SmsOptedOut, contact.Language)
            : null;

    private byte[] Reply(string text, string language) => Twiml.Messages([SmsText.Compose(text, language, ticketNumber: null, options.Value.MaxSegments)]);

    private InboundMessage ToInbound(TwilioInboundSms sms)
    {
        var attachments = new List<Core.Messages.AttachmentInfo>();
        foreach (var item in sms.Media)
        {
            if (mediaHosts.IsAllowed(item.Url))
            {
                attachments.Add(item.ToAttachment());
            }
            else
            {
                LogForeignMedia(sms.MessageSid);
            }
        }

        return new InboundMessage
        {
            Channel = Channel.Sms,
            ExternalId = sms.MessageSid,
            SenderAddress = sms.From,
            ConversationKey = sms.ConversationKey,
            ReplyHandle = new SmsReplyHandle(sms.To).ToJson(),
            Text = sms.Body,
            Attachments = attachments,
            Locale = sms.Locale,
        };
    }

    private async Task<SenderFacts> SenderAsync(TwilioInboundSms sms, CancellationToken cancellationToken)
    {
        var address = ContactIdentity.Normalize(Channel.Sms, sms.From);
        // From the identity through the unique (channel, address) index: Contacts.Where(c => c.Identities.Any(...)) scans every contact.
        var contact = await db.ContactIdentities.AsNoTracking()
            .Where(i => i.Channel == Channel.Sms && i.Address == address)
            .Join(db.Contacts, i => i.ContactId, c => c.Id, (i, c) => new { c.SmsOptedOut, c.Language })
            .FirstOrDefaultAsync(cancellationToken);
        return contact is null
            ? new SenderFacts(false, false, Languages.FromLocale(sms.Locale) ?? desk.Value.DefaultLanguage)
            : new SenderFacts(true, contact.SmsOptedOut, contact.Language);
    }

    private static string Source(TwilioInboundSms sms) =>
        sms.OptOutType is { Length: > 0 } type ? $"Twilio OptOutType {type}" : $"keyword {sms.Body.Trim().ToUpperInvariant()}";

    private sealed record SenderFacts(bool Known, bool OptedOut, string Language);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot reply on {TicketNumber} not sent: the sender has opted out of SMS")]
    private partial void LogSilencedReply(string? ticketNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS {MessageSid}: a media URL outside Twilio's hosts was ignored")]
    private partial void LogForeignMedia(string messageSid);
}
