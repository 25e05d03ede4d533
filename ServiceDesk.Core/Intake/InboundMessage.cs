using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Intake;

/// <summary>A message from a user, normalised by its channel; the only way into the desk.</summary>
public sealed record InboundMessage
{
    public required Channel Channel { get; init; }

    /// <summary>The channel's id for the message (activity id, Message-ID, MessageSid): redeliveries carry the same.</summary>
    public required string ExternalId { get; init; }

    /// <summary>AAD object id, e-mail address or E.164 phone number.</summary>
    public required string SenderAddress { get; init; }

    public string? SenderName { get; init; }

    /// <summary>The channel's thread (Teams conversation id, phone pair); null where the channel has none.</summary>
    public string? ConversationKey { get; init; }

    /// <summary>What the channel needs to answer in this conversation later, as the channel's JSON.</summary>
    public string? ReplyHandle { get; init; }

    public string? Subject { get; init; }

    public required string Text { get; init; }

    public IReadOnlyList<AttachmentInfo> Attachments { get; init; } = [];

    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The sender's locale as the channel reports it (e.g. <c>es-ES</c>).</summary>
    public string? Locale { get; init; }

    /// <summary>External ids of earlier messages this one answers (e-mail In-Reply-To / References).</summary>
    public IReadOnlyList<string> ThreadKeys { get; init; } = [];

    /// <summary>A ticket the channel already knows this belongs to (e.g. decoded from our own Message-ID).</summary>
    public long? TicketId { get; init; }

    /// <summary>Open a new ticket even if the conversation has one (a forwarded mail, the bot's "report an issue").</summary>
    public bool StartsNewTicket { get; init; }

    /// <summary>
    /// Queue a notice for a new, follow-up or reopened ticket; false where the channel answers in-line
    /// (the bot), so the requester does not hear the same thing twice.
    /// </summary>
    public bool Acknowledge { get; init; } = true;

    /// <summary>
    /// Why the sender is a program or a mailing list (the header that told, e.g. <c>List-Id</c>), or null for a person.
    /// A ticket such a requester opens or writes to gets no automatic notices (<see cref="Ticket.AutomaticNoticesSuppressed"/>);
    /// the requester's next message written in person lifts that.
    /// </summary>
    public string? AutomatedSender { get; init; }

    public TicketType Type { get; init; } = TicketType.Incident;

    public Impact Impact { get; init; } = Impact.Medium;

    public Urgency Urgency { get; init; } = Urgency.Medium;

    /// <summary>A service code from the catalogue; the default service when null or unknown.</summary>
    public string? ServiceCode { get; init; }

    /// <summary>
    /// Store the message in its conversation only, on no ticket: the bot's commands and answers to its
    /// questions. Needs a <see cref="ConversationKey"/>. The bot files such messages on the ticket they
    /// lead to once it exists (<see cref="IntakeService.OpenForConversationAsync"/>).
    /// </summary>
    public bool RecordOnly { get; init; }

    /// <summary>
    /// <see cref="MessageKind.UserMessage"/> for what a person wrote. <see cref="MessageKind.AutoReply"/> and
    /// <see cref="MessageKind.Bounce"/> are machine answers to the desk's own messages: they are recorded on the
    /// ticket they belong to and nothing else happens — no ticket is opened, no status moves, nothing is sent.
    /// </summary>
    public MessageKind Kind { get; init; } = MessageKind.UserMessage;

    /// <summary>For a bounce: the addresses that could not be reached; their identities are marked unreachable.</summary>
    public IReadOnlyList<string> BouncedAddresses { get; init; } = [];

    /// <summary>
    /// For a bounce: the addresses that failed for now (4.x.x, a full mailbox); unreachable only after
    /// <see cref="ContactIdentity.SoftBouncesBeforeUnreachable"/> such bounces in a row.
    /// </summary>
    public IReadOnlyList<string> SoftBouncedAddresses { get; init; } = [];
}

public enum IntakeOutcome
{
    CreatedTicket,
    AppendedToTicket,
    ReopenedTicket,

    /// <summary>The ticket was past its reopen window: a new ticket, linked to it, was opened.</summary>
    CreatedFollowUpTicket,

    /// <summary>Already received: nothing was written.</summary>
    Duplicate,

    /// <summary>Stored in the conversation on no ticket (<see cref="InboundMessage.RecordOnly"/>); the result's ticket id is 0.</summary>
    Recorded,

    /// <summary>An auto-reply or bounce was recorded on the ticket it belongs to; nothing else changed.</summary>
    RecordedOnTicket,

    /// <summary>An auto-reply or bounce that belongs to no ticket: not recorded (bounced addresses are still marked).</summary>
    Unmatched,
}

public sealed record IntakeResult(IntakeOutcome Outcome, long MessageId, long TicketId, string TicketNumber, long ContactId, long? ConversationId);
