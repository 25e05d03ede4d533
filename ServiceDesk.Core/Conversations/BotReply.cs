namespace ServiceDesk.Core.Conversations;

/// <summary>
/// One message of the bot to a user, independent of the channel: Teams renders it as an Adaptive Card,
/// SMS as plain text with numbered choices.
/// </summary>
public sealed record BotReply
{
    /// <summary>The whole message as plain text, without the choices: what SMS sends and what the transcript shows.</summary>
    public required string Text { get; init; }

    /// <summary>A heading for rich channels; plain-text channels leave it out (it repeats <see cref="Text"/>).</summary>
    public string? Title { get; init; }

    /// <summary>Label/value pairs such as a ticket's number, status and target date.</summary>
    public IReadOnlyList<BotFact> Facts { get; init; } = [];

    /// <summary>Fields the user fills in on rich channels; plain-text channels ask for them one at a time in <see cref="Text"/>.</summary>
    public IReadOnlyList<BotInput> Inputs { get; init; } = [];

    /// <summary>Buttons on rich channels; numbered options ("1", "2", …) on plain-text channels, in this order.</summary>
    public IReadOnlyList<BotChoice> Choices { get; init; } = [];

    /// <summary>
    /// The reply as words only, the one rendering every channel uses for it: an SMS, a Teams card's fallback
    /// and summary, the transcript. The text, then the facts as "Label: value" lines, then the choices
    /// numbered "1) …" in order (the user answers with the number); a blank line between the parts.
    /// </summary>
    public string ToPlainText()
    {
        var text = new System.Text.StringBuilder(Text.Trim());
        if (Facts.Count > 0)
        {
            text.Append('\n');
            foreach (var fact in Facts)
            {
                text.Append('\n').Append(fact.Label.Trim()).Append(": ").Append(fact.Value.Trim());
            }
        }

        if (Choices.Count > 0)
        {
            text.Append('\n');
            for (var i = 0; i < Choices.Count; i++)
            {
                text.Append('\n').Append(i + 1).Append(") ").Append(Choices[i].Label.Trim());
            }
        }

        return text.ToString();
    }
}

public sealed record BotFact(string Label, string Value);

/// <param name="Id">The key under which the value comes back in <see cref="ChatActions"/> data.</param>
public sealed record BotInput(string Id, string Label, bool Multiline = false, string? Placeholder = null);

/// <summary>A button: its label and the data that comes back when the user presses it (always with <see cref="ChatActions.Key"/>).</summary>
public sealed record BotChoice(string Label, IReadOnlyDictionary<string, string> Data)
{
    public static BotChoice For(string label, string action, params (string Key, string Value)[] extra)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal) { [ChatActions.Key] = action };
        foreach (var (key, value) in extra)
        {
            data[key] = value;
        }

        return new BotChoice(label, data);
    }
}

/// <summary>
/// The actions a button or card can send back to the bot, shared by the bot and every channel that
/// renders buttons outside a bot reply (a Teams resolution notice with its rating buttons).
/// </summary>
public static class ChatActions
{
    /// <summary>The data key that names the action.</summary>
    public const string Key = "action";

    /// <summary>The data key that names the ticket an action is about (e.g. <c>SD-12</c>).</summary>
    public const string TicketKey = "ticket";

    /// <summary>The data key of a satisfaction rating, 1 to 5.</summary>
    public const string RatingKey = "rating";

    /// <summary>The data key of a free-text input on a card (a description, information to add), and its input id.</summary>
    public const string TextKey = "text";

    /// <summary>The data key of a comment, e.g. with a satisfaction rating, and its input id.</summary>
    public const string CommentKey = "comment";

    /// <summary>With <see cref="Answer"/>: the question being answered, so an answer to an old card is recognised as stale.</summary>
    public const string StepKey = "step";

    /// <summary>With <see cref="Answer"/> or <see cref="Language"/>: the value chosen (an option, a language code).</summary>
    public const string ValueKey = "value";

    /// <summary>With <see cref="Answer"/>: the knowledge article a choice refers to.</summary>
    public const string ArticleKey = "article";

    public const string Help = "help";
    public const string Report = "report";
    public const string MyTickets = "mytickets";
    public const string AddInformation = "addinfo";
    public const string ConfirmResolution = "confirm";
    public const string RejectResolution = "reject";
    public const string Rate = "csat";
    public const string TalkToAgent = "agent";
    public const string Language = "language";

    /// <summary>An answer to the question the bot asked last (see <see cref="StepKey"/> and <see cref="ValueKey"/>).</summary>
    public const string Answer = "answer";

    /// <summary>Leave the current question and go back to the start.</summary>
    public const string Cancel = "cancel";
}
