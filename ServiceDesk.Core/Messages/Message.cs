namespace ServiceDesk.Core.Messages;

public enum MessageDirection
{
    Inbound,
    Outbound,
}

/// <summary>Public messages reach the requester; internal notes stay among agents.</summary>
public enum MessageVisibility
{
    Public,
    Internal,
}

/// <summary>Where an outbound message is on its way to the requester.</summary>
public enum DeliveryState
{
    /// <summary>Inbound messages and internal notes are not delivered anywhere.</summary>
    NotApplicable,
    Queued,
    Sent,
    Delivered,
    Failed,

    /// <summary>A delivery attempt was interrupted after it may have reached the channel; not retried automatically, to never send twice.</summary>
    Unconfirmed,
}

/// <summary>What an outbound message is, so channels can render it (a card, a threaded reply).</summary>
public enum MessageKind
{
    /// <summary>What a requester or a third party wrote to the desk.</summary>
    UserMessage,

    /// <summary>An agent's reply or internal note.</summary>
    AgentReply,

    /// <summary>The desk confirming a new or reopened ticket.</summary>
    Acknowledgement,

    StatusNotification,

    /// <summary>The ticket was resolved: asks the requester to confirm and rate the service.</summary>
    ResolutionNotification,

    BotReply,

    /// <summary>A machine's answer to the desk's mail (out-of-office, auto-responder): recorded, never answered.</summary>
    AutoReply,

    /// <summary>A delivery failure report about a message the desk sent: recorded, never answered.</summary>
    Bounce,

    /// <summary>
    /// A notice from the desk to its own agents (an SLA warning): never on a ticket's thread, never to a requester,
    /// so it is stored outside any ticket and carries no ticket tag.
    /// </summary>
    InternalNotice,
}

/// <summary>Metadata of a file that came with a message; the content lives in the channel's store.</summary>
public sealed record AttachmentInfo(string FileName, string ContentType, long Size, string? Url = null);

/// <summary>One message on a ticket, in either direction, on any channel.</summary>
public sealed class Message
{
    public long Id { get; set; }

    public long? TicketId { get; set; }

    public long? ConversationId { get; set; }

    public Channel Channel { get; set; }

    public MessageDirection Direction { get; set; }

    public MessageVisibility Visibility { get; set; }

    public MessageKind Kind { get; set; }

    /// <summary>The channel's id (Teams activity id, Message-ID, MessageSid). Unique per channel: redeliveries are recognised by it.</summary>
    public string? ExternalId { get; set; }

    public string? Subject { get; set; }

    public required string Body { get; set; }

    /// <summary>Display name of who wrote it (a contact, an agent, the desk).</summary>
    public required string Author { get; set; }

    public long? AuthorContactId { get; set; }

    /// <summary>For outbound messages: the address it goes to on <see cref="Channel"/>.</summary>
    public string? Recipient { get; set; }

    public List<AttachmentInfo> Attachments { get; set; } = [];

    public DeliveryState DeliveryState { get; set; }

    public string? DeliveryError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EditedAt { get; set; }

    public bool Deleted { get; set; }
}
