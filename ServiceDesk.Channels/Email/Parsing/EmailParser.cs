using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>Reads a MIME message into a <see cref="ParsedEmail"/>: text, thread, attachments and what kind of mail it is.</summary>
public sealed partial class EmailParser(string deskAddress, MessageIds ids, long maxAttachmentBytes)
{
    private const int MaxThreadKeys = 50;


    public ParsedEmail Parse(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender ?? message.ReplyTo.Mailboxes.FirstOrDefault();
        var threadKeys = ThreadKeysOf(message);
        var (kind, reason) = Classify(message, from);
        var report = kind == MailKind.Bounce ? DeliveryReport.Read(message) : DeliveryReport.Empty;
        var fullText = BodyText(message);
        var isForward = IsForwardSubject(message.Subject);
        var text = kind is MailKind.Personal or MailKind.Bulk && !isForward ? ReplyTrimmer.Trim(fullText) : fullText.Trim();

        var ticketId = threadKeys.Select(ids.TicketIdIn).FirstOrDefault(t => t is not null)
            ?? report.OriginalMessageIds.Select(ids.TicketIdIn).FirstOrDefault(t => t is not null);

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
            IsForward = isForward,
            ThreadIndex = message.Headers["Thread-Index"]?.Trim(),
            Language = message.Headers[HeaderId.ContentLanguage]?.Split(',')[0].Trim(),
            Attachments = kind is MailKind.Personal or MailKind.Bulk ? AttachmentsOf(message) : [],
            BouncedAddresses = report.FailedRecipients,
        };
    }

    /// <summary>The first rule that fits decides; the order matters (a bounce also carries Auto-Submitted).</summary>
    private (MailKind Kind, string? Reason) Classify(MimeMessage message, MailboxAddress? from)
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

        if (headers[HeaderId.AutoSubmitted] is { } autoSubmitted && !autoSubmitted.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return (MailKind.AutoReply, $"Auto-Submitted: {autoSubmitted.Trim()}");
        }

        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond") || headers.Contains("X-Autoresponder"))
        {
            return (MailKind.AutoReply, "X-Autoreply/X-Autorespond");
        }

        var precedence = headers["Precedence"]?.Trim().ToLowerInvariant();
        if (precedence is "bulk" or "junk" or "auto_reply")
        {
            return (MailKind.AutoReply, $"Precedence: {precedence}");
        }

        if (headers.Contains("X-Auto-Response-Suppress"))
        {
            return (MailKind.AutoReply, "X-Auto-Response-Suppress");
        }

        if (headers[HeaderId.ReturnPath] is { } returnPath && returnPath.Trim() is "<>" or "")
        {
            return (MailKind.AutoReply, "empty Return-Path");
        }

        if (headers.Contains(HeaderId.ListId) || precedence == "list")
        {
            return (MailKind.Bulk, headers.Contains(HeaderId.ListId) ? "List-Id" : "Precedence: list");
        }

        return (MailKind.Personal, null);
    }

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
        if (message.TextBody is { } plain && plain.Trim().Length > 0)
        {
            return plain;
        }

        return message.HtmlBody is { } html ? HtmlText.ToText(html) : string.Empty;
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

    [GeneratedRegex(@"^\s*(fwd?|rv|tr|wg|enc|reenviar)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardPrefix();

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
