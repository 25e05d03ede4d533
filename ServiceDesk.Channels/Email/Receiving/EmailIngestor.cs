using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Channels.Email.Parsing;
using ServiceDesk.Core;
using ServiceDesk.Core.Attachments;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Channels.Email.Receiving;

public enum IngestOutcome
{
    /// <summary>Taken into the desk (or recognised as already taken).</summary>
    Taken,

    /// <summary>Deliberately not taken in (the desk's own mail); processed all the same.</summary>
    Ignored,

    /// <summary>Cannot be taken in (no sender): left in the inbox, flagged, for a person to look at.</summary>
    Unusable,
}

/// <summary>Takes one inbound mail into the desk: classify, keep attachments, hand it to the intake.</summary>
public sealed partial class EmailIngestor(
    EmailParser parser,
    IntakeService intake,
    AttachmentStore attachments,
    SentMail sentMail,
    ServiceDeskDbContext db,
    IOptions<EmailOptions> options,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    ILogger<EmailIngestor> logger)
{
    public async Task<IngestOutcome> IngestAsync(MimeMessage mail, DateTimeOffset? receivedAt, CancellationToken cancellationToken)
    {
        var parsed = parser.Parse(mail);
        if (parsed.Kind == MailKind.Own)
        {
            LogOwn(parsed.ExternalId, parsed.KindReason);
            return IngestOutcome.Ignored;
        }

        if (parsed.SenderAddress is not { } address || !address.Contains('@', StringComparison.Ordinal) || address.Length > 320)
        {
            LogUnusable(parsed.ExternalId, "no usable sender address");
            return IngestOutcome.Unusable;
        }

        // A ticket number in a Message-ID is only a claim: it counts when the desk really sent that mail, otherwise
        // the subject tag and sender rules of the intake decide, as for any other mail.
        var ticketId = parsed.TicketId is null ? null : await sentMail.TicketOfAsync(parsed.OurMessageIds, cancellationToken);
        if (parsed.TicketId is { } claimed && ticketId is null)
        {
            LogUnprovenThread(parsed.ExternalId, claimed);
        }

        var inbound = new InboundMessage
        {
            Channel = Channel.Email,
            ExternalId = parsed.ExternalId,
            SenderAddress = address,
            SenderName = Truncate(parsed.SenderName, 200),
            Subject = Truncate(parsed.Subject, 500),
            Text = parsed.Text,
            ReceivedAt = receivedAt,
            ThreadKeys = parsed.ThreadKeys,
            TicketId = ticketId,
            Kind = parsed.Kind switch
            {
                MailKind.AutoReply => MessageKind.AutoReply,
                MailKind.Bounce => MessageKind.Bounce,
                _ => MessageKind.UserMessage,
            },
            BouncedAddresses = parsed.BouncedAddresses,
            SoftBouncedAddresses = parsed.SoftBouncedAddresses,
        };

        if (parsed.Kind.OpensTickets())
        {
            var normalized = ContactIdentity.Normalize(Channel.Email, address);
            var contact = await db.ContactIdentities.AsNoTracking()
                .Where(i => i.Channel == Channel.Email && i.Address == normalized)
                .Join(db.Contacts, i => i.ContactId, c => c.Id, (i, c) => new { ContactId = (long?)c.Id, c.Language })
                .FirstOrDefaultAsync(cancellationToken);
            inbound = inbound with
            {
                ConversationKey = Truncate("thread:" + parsed.ThreadRoot, 512),
                ReplyHandle = new EmailThread(parsed.ExternalId.StartsWith("sha256:", StringComparison.Ordinal) ? null : parsed.ExternalId, inbound.Subject, parsed.ThreadIndex).ToJson(),
                Locale = parsed.Language ?? LanguageGuess.Of(parsed.Subject + "\n" + parsed.Text),
                StartsNewTicket = parsed.IsForward,
                Acknowledge = parsed.Kind == MailKind.Personal && await UnderAcknowledgementLimitAsync(contact?.ContactId, normalized, cancellationToken),
                AutomatedSender = parsed.Kind is MailKind.Bulk or MailKind.Automatic ? parsed.KindReason ?? parsed.Kind.ToString() : null,
            };
            inbound = await WithAttachmentsAsync(inbound, parsed.Attachments, contact?.Language, cancellationToken);
        }
        else
        {
            LogAutomated(parsed.Kind, parsed.ExternalId, parsed.KindReason);
        }

        var result = await intake.ReceiveAsync(inbound, cancellationToken);
        LogTaken(parsed.ExternalId, parsed.Kind, result.Outcome, result.TicketNumber);
        return IngestOutcome.Taken;
    }

    /// <summary>Stores each attachment's bytes; one over the size limit becomes a line in the text instead.</summary>
    private async Task<InboundMessage> WithAttachmentsAsync(InboundMessage inbound, IReadOnlyList<MailAttachment> found, string? contactLanguage, CancellationToken cancellationToken)
    {
        if (found.Count == 0)
        {
            return inbound;
        }

        var kept = new List<AttachmentInfo>();
        var notes = new List<string>();

        // The note is part of what the contact wrote, so it is in their language.
        var language = contactLanguage ?? Languages.FromLocale(inbound.Locale) ?? desk.Value.DefaultLanguage;
        foreach (var attachment in found)
        {
            if (attachment.Content is null)
            {
                notes.Add(EmailTexts.Format("AttachmentNotKept", language, attachment.FileName, EmailTexts.Size(attachment.Size, language), EmailTexts.Size(options.Value.MaxAttachmentBytes, language)));
                continue;
            }

            var key = await attachments.SaveAsync(attachment.Content, attachment.ContentType, cancellationToken);
            kept.Add(new AttachmentInfo(attachment.FileName, attachment.ContentType, attachment.Size, AttachmentStore.UrlFor(key)));
        }

        var text = notes.Count == 0 ? inbound.Text : (inbound.Text + "\n\n" + string.Join('\n', notes)).Trim();
        return inbound with { Attachments = kept, Text = text };
    }

    /// <summary>
    /// A sender who got many automatic notices within the hour (new, reopened or follow-up tickets: a script, a loop we
    /// cannot see) stops getting them.
    /// </summary>
    private async Task<bool> UnderAcknowledgementLimitAsync(long? contactId, string normalized, CancellationToken cancellationToken)
    {
        if (contactId is null)
        {
            return true;
        }

        var since = time.GetUtcNow() - TimeSpan.FromHours(1);
        var recent = await db.Messages.AsNoTracking()
            .CountAsync(
                m => m.Channel == Channel.Email && m.Direction == MessageDirection.Outbound && m.Kind == MessageKind.Acknowledgement && m.CreatedAt >= since
                    && db.Tickets.Any(t => t.Id == m.TicketId && t.RequesterId == contactId),
                cancellationToken);
        if (recent < options.Value.MaxAcknowledgementsPerSenderPerHour)
        {
            return true;
        }

        LogRateLimited(normalized, recent);
        return false;
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail {MessageId} is the desk's own ({Reason}); ignored")]
    private partial void LogOwn(string messageId, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MessageId} names ticket {TicketId} in its thread headers, but the desk sent no such mail; threaded by subject and sender instead")]
    private partial void LogUnprovenThread(string messageId, long ticketId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MessageId} cannot be taken in: {Reason}; left in the inbox, flagged")]
    private partial void LogUnusable(string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail {MessageId} is {Kind} ({Reason}): recorded if it belongs to a ticket, never answered")]
    private partial void LogAutomated(MailKind kind, string messageId, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mail {MessageId} ({Kind}): {Outcome} {TicketNumber}")]
    private partial void LogTaken(string messageId, MailKind kind, IntakeOutcome outcome, string ticketNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Sender} got {Count} automatic notices within the hour: none for this mail")]
    private partial void LogRateLimited(string sender, int count);
}
