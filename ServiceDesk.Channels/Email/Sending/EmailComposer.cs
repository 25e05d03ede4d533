using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;

namespace ServiceDesk.Channels.Email.Sending;

/// <summary>
/// Builds the mail for one outbound message: a Message-ID naming the ticket, the requester's thread continued
/// (In-Reply-To, References, Outlook's Thread-Index, the thread's subject), the <c>[SD-123]</c> tag, loop-protection
/// headers on automatic notices, and a text + HTML body in the requester's language.
/// </summary>
public sealed partial class EmailComposer(MailboxAddress from, string deskName, MessageIds ids, TimeProvider time)
{
    /// <summary>References kept: the thread's first message and the latest ones (long threads would grow headers without end).</summary>
    private const int MaxReferences = 20;

    public MimeMessage Compose(OutboundMessage outbound)
    {
        var thread = EmailThread.FromJson(outbound.ReplyHandle);
        var now = time.GetUtcNow();
        if (outbound.Kind == MessageKind.InternalNotice)
        {
            return Internal(outbound, now);
        }

        var message = new MimeMessage
        {
            MessageId = ids.Create(outbound.TicketId, outbound.MessageId, outbound.DeliveryKey),
            Date = now,
            Subject = SubjectFor(outbound, thread),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(outbound.Recipient));
        message.Headers.Add(HeaderId.ContentLanguage, outbound.Language);

        var references = ReferencesFor(outbound, thread);
        if (references.Count > 0)
        {
            message.InReplyTo = references[^1];
            foreach (var reference in references)
            {
                message.References.Add(reference);
            }
        }

        message.Headers.Add("Thread-Index", ThreadIndex.Child(thread?.ThreadIndex, now) ?? ThreadIndex.NewRoot(now));

        var automatic = outbound.Kind != MessageKind.AgentReply;
        if (automatic)
        {
            // RFC 3834: answer nothing automatically; Exchange: send no out-of-office or receipts back.
            message.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
            message.Headers.Add("X-Auto-Response-Suppress", "All");
        }

        var footer = EmailTexts.Format("Footer", outbound.Language, deskName, outbound.TicketNumber, $"[{outbound.TicketNumber}]");
        if (automatic)
        {
            footer += " " + EmailTexts.Format("AutomaticNotice", outbound.Language);
        }

        var body = new BodyBuilder
        {
            TextBody = outbound.Body.TrimEnd() + "\n\n-- \n" + footer + "\n",
            HtmlBody = Html(outbound.Body, footer, outbound.Language),
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>
    /// A notice to the desk's own agents: its own thread, no ticket tag (a reply must not land on the requester's
    /// ticket), marked automatic; the body says all it needs in the agent's language.
    /// </summary>
    private MimeMessage Internal(OutboundMessage outbound, DateTimeOffset now)
    {
        var message = new MimeMessage
        {
            MessageId = ids.Create(0, outbound.MessageId, outbound.DeliveryKey),
            Date = now,
            Subject = outbound.Subject?.Trim() ?? string.Empty,
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(outbound.Recipient));
        message.Headers.Add(HeaderId.ContentLanguage, outbound.Language);
        message.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        message.Headers.Add("X-Auto-Response-Suppress", "All");
        message.Body = new BodyBuilder { TextBody = outbound.Body.TrimEnd() + "\n" }.ToMessageBody();
        return message;
    }

    private static string SubjectFor(OutboundMessage outbound, EmailThread? thread)
    {
        var tag = $"[{outbound.TicketNumber}]";

        // Continue the requester's subject so their mail client keeps the conversation together.
        if (thread?.Subject is { Length: > 0 } original)
        {
            var bare = ReplyPrefix().Replace(original, string.Empty).Trim();
            return "Re: " + (bare.Contains(tag, StringComparison.OrdinalIgnoreCase) ? bare : $"{tag} {bare}");
        }

        var subject = outbound.Subject?.Trim() ?? string.Empty;
        return subject.Contains(tag, StringComparison.OrdinalIgnoreCase) ? subject : $"{tag} {subject}".Trim();
    }

    /// <summary>The ticket's mail on this channel, oldest first, ending with the message being answered.</summary>
    private static List<string> ReferencesFor(OutboundMessage outbound, EmailThread? thread)
    {
        // Ids made up from a content hash are not Message-IDs anybody else knows.
        var known = outbound.ThreadExternalIds.Where(IsMessageId).Distinct(StringComparer.Ordinal).ToList();
        if (thread?.MessageId is { } answered && IsMessageId(answered))
        {
            known.Remove(answered);
            known.Add(answered);
        }

        return known.Count <= MaxReferences ? known : [known[0], .. known[^(MaxReferences - 1)..]];
    }

    private static bool IsMessageId(string id) => id.Contains('@', StringComparison.Ordinal) && !id.Contains(' ', StringComparison.Ordinal) && !id.StartsWith("sha256:", StringComparison.Ordinal);

    private static string Html(string text, string footer, string language)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"").Append(language).Append("\"><head><meta charset=\"utf-8\"></head>")
            .Append("<body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328\">");
        foreach (var paragraph in Paragraph().Split(text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim()))
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }

        return html.Append("<hr style=\"border:none;border-top:1px solid #d0d7de\">")
            .Append("<p style=\"font-size:12px;color:#656d76\">").Append(WebUtility.HtmlEncode(footer)).Append("</p>")
            .Append("</body></html>")
            .ToString();
    }

    [GeneratedRegex(@"^\s*((re|aw|sv|antw|res|r)\s*(\[\d+\])?\s*:\s*)+", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefix();

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex Paragraph();
}
