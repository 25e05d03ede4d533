using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>Reads a MIME message into a <see cref="ParsedEmail"/>: text, thread, attachments and what kind of mail it is.</summary>
public sealed partial class EmailParser(string deskAddress, MessageIds ids, long maxAttachmentBytes)
{
    private const int MaxThreadKeys = 50;

    /// <summary>The most of a mail's text the desk reads; a ticket is for people to read, not a log archive.</summary>
    internal const int MaxTextChars = 256 * 1024;

    internal const string TruncatedNote = "\n[…]";

    /// <summary>"[SD-123]": the tag the desk puts in its subjects.</summary>
    private readonly Regex _ticketTag = new(
        $@"\[{Regex.Escape(ids.TicketPrefix)}-[0-9]{{1,18}}\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));

    public ParsedEmail Parse(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender ?? message.ReplyTo.Mailboxes.FirstOrDefault();
        var threadKeys = ThreadKeysOf(message);
        var (kind, reason) = Classify(message, from, threadKeys);
        var report = kind == MailKind.Bounce ? DeliveryReport.Read(message) : DeliveryReport.Empty;
        var fullText = BodyText(message);
        var isForward = IsForwardSubject(message.Subject);
        // A program's mail has no quote or signature to cut, and a line such as "Thanks" must not cut its report short.
        var text = kind is MailKind.Personal or MailKind.Bulk && !isForward ? ReplyTrimmer.Trim(fullText) : fullText.Trim();

        var ours = threadKeys.Concat(report.OriginalMessageIds).Where(ids.IsOurs).Distinct(StringComparer.Ordinal).ToList();
        var ticketId = ours.Select(ids.TicketIdIn).FirstOrDefault(t => t is not null);

        return new ParsedEmail
        {
            ExternalId = ExternalIdOf(message, fullText),
            Kind = kind,
            KindReason = reason,
            SenderAddress = from?.Address,
            SenderName = from?.Name is { } name && name.Trim().Length > 0 ? name.Trim() : null,
            Subject = message.Subject?.Trim(),
            Text = text,
            Date = message.Date == DateTimeOffset.MinValue ? null : message.Date,
            ThreadKeys = threadKeys,
            TicketId = ticketId,
            OurMessageIds = ours,
            IsForward = isForward,
            ThreadIndex = message.Headers["Thread-Index"]?.Trim(),
            Language = message.Headers[HeaderId.ContentLanguage]?.Split(',')[0].Trim(),
            Attachments = kind.OpensTickets() ? AttachmentsOf(message) : [],
            BouncedAddresses = report.FailedRecipients,
            SoftBouncedAddresses = report.SoftFailedRecipients,
        };
    }

    /// <summary>The first rule that fits decides; the order matters (a bounce also carries Auto-Submitted).</summary>
    private (MailKind Kind, string? Reason) Classify(MimeMessage message, MailboxAddress? from, IReadOnlyList<string> threadKeys)
    {
        var headers = message.Headers;
        if (from is not null && string.Equals(from.Address, deskAddress, StringComparison.OrdinalIgnoreCase))
        {
            return (MailKind.Own, "From is the desk's address");
        }

        if (ids.IsOurs(message.MessageId))
        {
            return (MailKind.Own, "Message-ID is the desk's");
        }

        if (message.Body is MultipartReport { ReportType: { } type } && type.Equals("delivery-status", StringComparison.OrdinalIgnoreCase))
        {
            return (MailKind.Bounce, "multipart/report; report-type=delivery-status");
        }

        var local = from?.LocalPart ?? string.Empty;
        if (local.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase) || local.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            return (MailKind.Bounce, $"from {from!.Address}");
        }

        var autoSubmitted = headers[HeaderId.AutoSubmitted]?.Trim();
        var precedence = headers["Precedence"]?.Trim().ToLowerInvariant();
        if (autoSubmitted?.StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase) == true)
        {
            return (MailKind.AutoReply, $"Auto-Submitted: {autoSubmitted}");
        }

        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond") || headers.Contains("X-Autoresponder") || precedence == "auto_reply")
        {
            return (MailKind.AutoReply, precedence == "auto_reply" ? "Precedence: auto_reply" : "X-Autoreply/X-Autorespond");
        }

        if ((AutomaticReason(headers, autoSubmitted, precedence) ?? NoReplySender(local)) is { } automatic)
        {
            // Machine mail that answers the desk (an out-of-office to a notification) is an auto-reply; machine mail of
            // its own (a monitoring alert, a cron report) is a request like list mail, or it would vanish unseen.
            return AnswersTheDesk(message.Subject, threadKeys)
                ? (MailKind.AutoReply, $"{automatic}, answering the desk's mail")
                : (MailKind.Automatic, automatic);
        }

        if (headers.Contains(HeaderId.ListId) || precedence == "list")
        {
            return (MailKind.Bulk, headers.Contains(HeaderId.ListId) ? "List-Id" : "Precedence: list");
        }

        return (MailKind.Personal, null);
    }

    /// <summary>The header that says a program, not a person, sent the mail; null for a person's mail.</summary>
    private static string? AutomaticReason(HeaderList headers, string? autoSubmitted, string? precedence)
    {
        if (autoSubmitted is not null && !autoSubmitted.StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return $"Auto-Submitted: {autoSubmitted}";
        }

        if (precedence is "bulk" or "junk")
        {
            return $"Precedence: {precedence}";
        }

        if (headers.Contains("X-Auto-Response-Suppress"))
        {
            return "X-Auto-Response-Suppress";
        }

        return headers[HeaderId.ReturnPath] is { } returnPath && returnPath.Trim() is "<>" or "" ? "empty Return-Path" : null;
    }

    /// <summary>
    /// An address that says nobody reads its mail (<c>noreply@</c>, <c>no-reply@</c>, <c>donotreply@</c>…): a program
    /// writing, and an answer would only bounce or vanish.
    /// </summary>
    private static string? NoReplySender(string localPart) =>
        NoReplyLocalPart().IsMatch(localPart) ? $"no-reply sender {localPart}@" : null;

    /// <summary>
    /// The mail refers to the desk's own: one of our Message-IDs in its thread, a ticket tag in its subject, or a
    /// subject that says it is an automatic answer ("Automatic reply:", "Respuesta automática:").
    /// </summary>
    private bool AnswersTheDesk(string? subject, IReadOnlyList<string> threadKeys) =>
        threadKeys.Any(ids.IsOurs) || (subject is not null && (_ticketTag.IsMatch(subject) || AutoReplySubject().IsMatch(subject)));

    private static List<string> ThreadKeysOf(MimeMessage message)
    {
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(message.InReplyTo))
        {
            keys.Add(message.InReplyTo.Trim());
        }

        keys.AddRange(message.References.Reverse().Where(r => !string.IsNullOrWhiteSpace(r)));
        return keys.Distinct(StringComparer.Ordinal).Take(MaxThreadKeys).ToList();
    }

    /// <summary>text/plain when there is one, else the HTML as text.</summary>
    private static string BodyText(MimeMessage message)
    {
        var parts = message.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment).ToList();
        if (parts.Any(p => p.Content?.Stream is { CanSeek: true } content && content.Length > MaxTextChars))
        {
            // A 50 MB log pasted into a mail would be a 100 MB string, trimmed, hashed and stored: read the start only.
            var part = parts.FirstOrDefault(p => p.IsPlain) ?? parts.FirstOrDefault(p => p.IsHtml);
            var start = part is null ? string.Empty : ReadStart(part);
            return part is { IsHtml: true } ? HtmlText.ToText(start) : start;
        }

        if (message.TextBody is { } plain && plain.Trim().Length > 0)
        {
            return plain;
        }

        return message.HtmlBody is { } html ? HtmlText.ToText(html) : string.Empty;
    }

    /// <summary>The first <see cref="MaxTextChars"/> characters of a text part, decoded as it streams, with a note when there was more.</summary>
    private static string ReadStart(TextPart part)
    {
        Encoding encoding;
        try
        {
            encoding = part.ContentType.CharsetEncoding ?? Encoding.UTF8;
        }
        catch (NotSupportedException)
        {
            encoding = Encoding.UTF8;
        }

        if (part.Content is null)
        {
            return string.Empty;
        }

        using var reader = new StreamReader(part.Content.Open(), encoding, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[MaxTextChars];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        var more = reader.Peek() >= 0;
        return new string(buffer, 0, read) + (more ? TruncatedNote : string.Empty);
    }

    /// <summary>The Message-ID; without one, a hash of what identifies the mail, so a re-read maps to the same id.</summary>
    private static string ExternalIdOf(MimeMessage message, string text)
    {
        if (!string.IsNullOrWhiteSpace(message.MessageId) && message.MessageId.Length <= 500)
        {
            return message.MessageId.Trim();
        }

        var identity = string.Join('\n', message.From.ToString(), message.To.ToString(), message.Headers[HeaderId.Date] ?? string.Empty, message.Subject ?? string.Empty, text);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    private static bool IsForwardSubject(string? subject) => subject is not null && ForwardPrefix().IsMatch(subject);

    /// <summary>Attachments and inline images; the text and HTML bodies themselves are not attachments.</summary>
    private List<MailAttachment> AttachmentsOf(MimeMessage message)
    {
        var found = new List<MailAttachment>();
        var inlineNumber = 0;
        foreach (var entity in message.BodyParts)
        {
            switch (entity)
            {
                case MessagePart attachedMail when attachedMail.Message is not null:
                    using (var buffer = new MemoryStream())
                    {
                        attachedMail.Message.WriteTo(buffer);
                        var name = SafeFileName((attachedMail.Message.Subject ?? "message") + ".eml");
                        found.Add(Limited(name, "message/rfc822", buffer.ToArray(), inline: false));
                    }

                    break;
                case MimePart part when IsFile(part):
                    var fileName = part.FileName is { Length: > 0 } given
                        ? SafeFileName(given)
                        : $"inline-{++inlineNumber}{(MimeTypes.TryGetExtension(part.ContentType.MimeType, out var extension) ? extension : ".bin")}";
                    found.Add(Read(part, fileName));
                    break;
            }
        }

        return found;
    }

    private static bool IsFile(MimePart part) =>
        part.IsAttachment || !(part is TextPart || part.ContentType.MediaType.Equals("message", StringComparison.OrdinalIgnoreCase));

    private MailAttachment Read(MimePart part, string fileName)
    {
        using var capped = new CappedStream(maxAttachmentBytes);
        part.Content?.DecodeTo(capped);
        return new MailAttachment(fileName, part.ContentType.MimeType, capped.Length, capped.Overflowed ? null : capped.ToArray(), !part.IsAttachment);
    }

    private MailAttachment Limited(string fileName, string contentType, byte[] content, bool inline) =>
        new(fileName, contentType, content.LongLength, content.LongLength > maxAttachmentBytes ? null : content, inline);

    private static string SafeFileName(string name)
    {
        var cleaned = new string(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) || char.IsControl(c) ? '_' : c).ToArray()).Trim();
        return cleaned.Length switch
        {
            0 => "attachment",
            > 200 => cleaned[..200],
            _ => cleaned,
        };
    }

    [GeneratedRegex(@"^(no|do[-_.]?not)[-_.]?reply([-_.+].*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex NoReplyLocalPart();

    [GeneratedRegex(@"^\s*(fwd?|rv|tr|wg|enc|reenviar)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardPrefix();

    [GeneratedRegex(@"^\s*(automatic reply|auto-?reply|out of (the )?office|respuesta autom[aá]tica|fuera de (la )?oficina)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AutoReplySubject();

    /// <summary>Keeps at most the limit in memory while counting the whole decoded length.</summary>
    private sealed class CappedStream(long limit) : Stream
    {
        private readonly MemoryStream _kept = new();
        private long _length;

        public bool Overflowed => _length > limit;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public byte[] ToArray() => _kept.ToArray();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _length += count;
            if (_length <= limit)
            {
                _kept.Write(buffer, offset, count);
            }
            else if (_kept.Length > 0)
            {
                _kept.SetLength(0);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _kept.Dispose();
            base.Dispose(disposing);
        }
    }
}
