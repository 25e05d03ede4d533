namespace ServiceDesk.Core.Conversations;

/// <summary>Who answers the user in a live conversation.</summary>
public enum ConversationMode
{
    /// <summary>The bot answers.</summary>
    Bot,

    /// <summary>The user asked for a person; the bot is silent and the conversation waits in the agents' queue.</summary>
    WaitingForAgent,

    /// <summary>An agent holds the conversation; the bot is silent.</summary>
    Agent,
}

/// <summary>A live thread on one channel: a Teams chat, an e-mail thread, a phone-number pair.</summary>
public sealed class Conversation
{
    public long Id { get; set; }

    public Channel Channel { get; set; }

    /// <summary>The channel's key for the thread (Teams conversation id, phone pair, mail thread root).</summary>
    public required string ExternalKey { get; set; }

    public long ContactId { get; set; }

    /// <summary>Who started the conversation.</summary>
    public Contacts.Contact Contact { get; set; } = null!;

    /// <summary>
    /// The conversation's contact, when loaded with its identities and owning the sender's normalised address (the usual
    /// case: a person's own chat or SMS thread). An address belongs to one contact (unique index), so this is the contact
    /// a lookup by address would find, without the round trip.
    /// </summary>
    public Contacts.Contact? ContactOwning(string normalizedAddress) =>
        Contact is { } owner && owner.Identities.Any(i => i.Channel == Channel && i.Address == normalizedAddress) ? owner : null;

    public ConversationMode Mode { get; set; }

    /// <summary>What the channel needs to answer later (a Teams conversation reference, the desk number), as the channel's JSON.</summary>
    public string? ReplyHandle { get; set; }

    /// <summary>The ticket that new messages in this conversation belong to, while it is open.</summary>
    public long? CurrentTicketId { get; set; }

    /// <summary>The agent holding the conversation (their account id) while in <see cref="ConversationMode.Agent"/>.</summary>
    public string? AgentId { get; set; }

    /// <summary>The holding agent's display name, for the queue and the audit trail.</summary>
    public string? AgentName { get; set; }

    /// <summary>When the holding agent last acted (took it over, wrote, typed): an idle conversation goes back to the queue.</summary>
    public DateTimeOffset? AgentActiveAt { get; set; }

    public DateTimeOffset? WaitingSince { get; set; }

    /// <summary>The bot's dialog state, persisted so it survives restarts and works across instances.</summary>
    public string? DialogState { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastActivityAt { get; set; }

    /// <summary>Optimistic concurrency: two agents taking over at once, exactly one wins.</summary>
    public int Version { get; set; }
}
