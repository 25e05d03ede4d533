namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>What a piece of mail is, for the desk.</summary>
public enum MailKind
{
    /// <summary>A person writing: a new request or a follow-up; acknowledged.</summary>
    Personal,

    /// <summary>List or distribution mail (List-Id, Precedence: list): taken in, never answered automatically.</summary>
    Bulk,

    /// <summary>
    /// A program's mail of its own (a monitoring alert, a report: Auto-Submitted, Precedence: bulk/junk,
    /// X-Auto-Response-Suppress, empty Return-Path) that refers to none of the desk's mail: taken in like
    /// <see cref="Bulk"/>, never answered automatically.
    /// </summary>
    Automatic,

    /// <summary>
    /// An automatic answer to the desk's mail (Auto-Submitted: auto-replied, X-Autoreply, or machine mail that refers
    /// to one of the desk's Message-IDs or ticket tags): recorded on its ticket, never answered.
    /// </summary>
    AutoReply,

    /// <summary>A delivery failure report (RFC 3464, or from MAILER-DAEMON/postmaster).</summary>
    Bounce,

    /// <summary>The desk's own mail come back (from its own address, or one of its Message-IDs): ignored.</summary>
    Own,
}

public static class MailKinds
{
    /// <summary>Mail that becomes (or adds to) a ticket as a request, rather than being recorded as a machine's answer.</summary>
    public static bool OpensTickets(this MailKind kind) => kind is MailKind.Personal or MailKind.Bulk or MailKind.Automatic;
}

/// <summary>A file that came with a message; <see cref="Content"/> is null when it was over the size limit.</summary>
public sealed record MailAttachment(string FileName, string ContentType, long Size, byte[]? Content, bool Inline);

/// <summary>One inbound mail, reduced to what the desk needs.</summary>
public sealed record ParsedEmail
{
    /// <summary>The Message-ID without angle brackets, or <c>sha256:…</c> of the content when the mail has none.</summary>
    public required string ExternalId { get; init; }

    public required MailKind Kind { get; init; }

    /// <summary>Why the mail got its <see cref="Kind"/> (the header that decided), for the log.</summary>
    public string? KindReason { get; init; }

    public string? SenderAddress { get; init; }

    public string? SenderName { get; init; }

    public string? Subject { get; init; }

    /// <summary>What the sender wrote in this message: quoted history and signature trimmed.</summary>
    public required string Text { get; init; }

    public DateTimeOffset? Date { get; init; }

    /// <summary>In-Reply-To first, then References, newest first.</summary>
    public IReadOnlyList<string> ThreadKeys { get; init; } = [];

    /// <summary>
    /// The ticket named by one of our Message-IDs this mail answers (or, for a bounce, the one that bounced).
    /// A claim: it counts only once <see cref="Receiving.SentMail"/> finds one of <see cref="OurMessageIds"/>.
    /// </summary>
    public long? TicketId { get; init; }

    /// <summary>The Message-IDs in the desk's form that the mail refers to (thread headers, a bounce's original).</summary>
    public IReadOnlyList<string> OurMessageIds { get; init; } = [];

    /// <summary>A forward (<c>Fwd:</c>, <c>RV:</c>…): a new request even when it quotes a ticket.</summary>
    public bool IsForward { get; init; }

    /// <summary>Outlook's conversation index, to keep Outlook's threading on our answers.</summary>
    public string? ThreadIndex { get; init; }

    /// <summary>The Content-Language the sender's client declared, if any.</summary>
    public string? Language { get; init; }

    public IReadOnlyList<MailAttachment> Attachments { get; init; } = [];

    /// <summary>For a bounce: the recipients that failed for good.</summary>
    public IReadOnlyList<string> BouncedAddresses { get; init; } = [];

    /// <summary>For a bounce: the recipients that failed for now (4.x.x).</summary>
    public IReadOnlyList<string> SoftBouncedAddresses { get; init; } = [];

    /// <summary>The thread's first message, which names the e-mail conversation.</summary>
    public string ThreadRoot => ThreadKeys.Count > 0 ? ThreadKeys[^1] : ExternalId;
}
