using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;

namespace ServiceDesk.Bot.Dialog;

/// <summary>
/// The bot that answers first on chat channels (Teams, SMS, Direct Line). A channel normalises what
/// the user sent, hands it here and delivers the replies in its own way.
/// </summary>
public interface IChatBot
{
    Task<ChatTurnResult> HandleAsync(ChatTurn turn, CancellationToken cancellationToken);

    /// <summary>The greeting when the bot is installed or a user first opens the chat, in the user's language.</summary>
    /// <param name="locale">The channel's locale for the user (e.g. <c>es-ES</c>); the desk's language when unknown.</param>
    IReadOnlyList<BotReply> Welcome(string? locale);
}

/// <summary>One user turn on a chat channel.</summary>
public sealed record ChatTurn
{
    /// <summary>What the user sent, normalised; its external id makes the turn idempotent.</summary>
    public required InboundMessage Message { get; init; }

    /// <summary>Data a button or card form sent (see <see cref="ChatActions"/>); null for typed text.</summary>
    public IReadOnlyDictionary<string, string>? Action { get; init; }

    /// <summary>The channel shows cards and buttons (Teams); otherwise choices are answered by number (SMS).</summary>
    public bool RichReplies { get; init; }

    /// <summary>
    /// The message proves the sender can be reached on the channel again (a Teams user who blocked the bot writes):
    /// an identity marked unreachable is restored in the turn's own transaction, without a lookup of its own.
    /// </summary>
    public bool ProvesReachable { get; init; }
}

/// <param name="Duplicate">The turn was already handled (a redelivery): nothing was written, and the replies are empty.</param>
/// <param name="Replies">What the bot answers, in order; empty while a person holds the conversation.</param>
/// <param name="TicketNumber">The ticket the turn created or added to, if any.</param>
public sealed record ChatTurnResult(bool Duplicate, IReadOnlyList<BotReply> Replies, string? TicketNumber, ConversationMode Mode)
{
    /// <summary>The user's language (<c>es</c>/<c>en</c>), for what the channel says itself around the replies.</summary>
    public string? Language { get; init; }

    /// <summary>
    /// The transcript message stored for each reply, in the same order: stored as sent, on the hope that the channel
    /// delivers the replies in its answer to the turn; a channel that cannot hands them to the outbox by these ids.
    /// </summary>
    public IReadOnlyList<long> ReplyMessageIds { get; init; } = [];

    /// <summary>
    /// The sender's contact, which the turn leaves tracked in the scope's context (created it for a first message): the
    /// channel finds it there by id, without a query and without a scan of everything the turn tracked. 0 when the
    /// turn stored nothing (a redelivery).
    /// </summary>
    public long ContactId { get; init; }
}
