using System.Globalization;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Notifications;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

/// <summary>One turn of a conversation as the dialogs see it: who wrote, what they sent, what the bot answers.</summary>
internal sealed class TurnContext
{
    /// <summary>
    /// A report's first message while it is the user's message of this turn, not stored yet: the intake leaves it for the
    /// turn's one save. Filing "from" it files the rows this transaction adds (no stored message comes after it); the turn
    /// writes the real id into the dialog state it saves.
    /// </summary>
    public const long UnsavedInbound = long.MaxValue;

    public required Contact Contact { get; init; }

    public required Conversation Conversation { get; init; }

    /// <summary>The user's message as the intake recorded it (id 0 until the turn's save when it is on no ticket).</summary>
    public required Message Inbound { get; init; }

    /// <summary>Where filing the conversation on a new ticket starts when it starts at the user's message.</summary>
    public long InboundId => Inbound.Id != 0 ? Inbound.Id : UnsavedInbound;

    public required IntakeResult Intake { get; init; }

    /// <summary>The channel shows cards and buttons; otherwise choices are numbered.</summary>
    public required bool Rich { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required DialogState State { get; set; }

    public List<BotReply> Replies { get; } = [];

    /// <summary>
    /// The ticket this turn is about, when it is loaded: the user's message and the bot's replies are filed on it. Null
    /// while only its id is known (<see cref="FileOn(long)"/>).
    /// </summary>
    public Ticket? Ticket { get; private set; }

    /// <summary>The id of the ticket this turn is about, loaded or not.</summary>
    public long? TicketId { get; private set; }

    public string Language => Contact.Language;

    public CultureInfo Culture => NotificationTexts.CultureFor(Language);

    /// <summary>How the timeline names the requester.</summary>
    public string Actor => $"contact:{Contact.Id}";

    public string T(string key, params object[] args) => BotTexts.Format(key, Language, args);

    public void Say(BotReply reply) => Replies.Add(reply);

    public void Say(string text, params BotChoice[] choices) => Replies.Add(new BotReply { Text = text, Choices = choices });

    /// <summary>A button (numbered option on plain-text channels) labelled from the bot texts.</summary>
    public BotChoice Choice(string labelKey, string action, params (string Key, string Value)[] data) =>
        BotChoice.For(T(labelKey), action, data);

    public void FileOn(Ticket ticket)
    {
        Ticket = ticket;
        FileOn(ticket.Id);
    }

    /// <summary>Files the turn on a ticket known to be the requester's, without loading it (most answers only need where they go).</summary>
    public void FileOn(long ticketId)
    {
        TicketId = ticketId;
        Inbound.TicketId ??= ticketId;
    }
}
