using System.Globalization;
using System.Text.RegularExpressions;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Knowledge;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Bot.Dialog;

internal enum IntentKind
{
    /// <summary>Nothing the bot can act on (a bare number with nothing to choose from, an unknown button).</summary>
    Unknown,
    Greeting,
    Help,
    Report,
    MyTickets,
    AddInformation,
    ConfirmResolution,
    RejectResolution,
    Rate,
    TalkToAgent,
    ChooseLanguage,
    SetLanguage,
    Cancel,

    /// <summary>A button answering the bot's last question.</summary>
    Answer,

    /// <summary>A bare number: a numbered choice or a rating, depending on what the user was asked last.</summary>
    Number,

    /// <summary>Anything else the user typed.</summary>
    Text,
}

/// <summary>What the user wants, read from a button's data or from what they typed.</summary>
internal sealed record Intent(IntentKind Kind)
{
    /// <summary>The ticket a button names; null when it names none or one that is not a ticket number.</summary>
    public long? TicketId { get; init; }

    public int? Number { get; init; }

    public string? Step { get; init; }

    public string? Value { get; init; }

    public string? Article { get; init; }

    /// <summary>Typed text, or the value of a card's text input.</summary>
    public string? Text { get; init; }
}

/// <summary>Reads intents: the agreed command words in Spanish and English, numbers, and button data.</summary>
internal sealed partial class IntentReader(TicketNumber numbers)
{
    private static readonly Dictionary<string, Intent> Commands = Build(
        (IntentKind.Help, null, ["help", "ayuda", "menu", "options", "opciones"]),
        (IntentKind.Greeting, null, ["hi", "hello", "hey", "good morning", "good afternoon", "good evening", "hola", "buenas", "buenos dias", "buenas tardes", "buenas noches"]),
        (IntentKind.Report, null, ["report", "reportar", "report an issue", "report a problem", "reportar un problema", "reportar una incidencia", "new ticket", "nuevo ticket"]),
        (IntentKind.MyTickets, null, ["my tickets", "mis tickets", "status", "estado", "tickets", "my ticket", "mi ticket"]),
        (IntentKind.TalkToAgent, null, ["agent", "agente", "person", "persona", "human", "humano", "talk to a person", "hablar con una persona", "operator", "operador"]),
        (IntentKind.ChooseLanguage, null, ["language", "idioma", "lenguaje"]),
        (IntentKind.SetLanguage, Languages.English, ["english", "ingles", "en ingles", "in english"]),
        (IntentKind.SetLanguage, Languages.Spanish, ["espanol", "castellano", "spanish", "en espanol", "in spanish"]),
        (IntentKind.Cancel, null, ["cancel", "cancelar", "anular"]));

    public Intent FromAction(IReadOnlyDictionary<string, string> data)
    {
        var kind = data.GetValueOrDefault(ChatActions.Key) switch
        {
            ChatActions.Help => IntentKind.Help,
            ChatActions.Report => IntentKind.Report,
            ChatActions.MyTickets => IntentKind.MyTickets,
            ChatActions.AddInformation => IntentKind.AddInformation,
            ChatActions.ConfirmResolution => IntentKind.ConfirmResolution,
            ChatActions.RejectResolution => IntentKind.RejectResolution,
            ChatActions.Rate => IntentKind.Rate,
            ChatActions.TalkToAgent => IntentKind.TalkToAgent,
            ChatActions.Language when data.ContainsKey(ChatActions.ValueKey) => IntentKind.SetLanguage,
            ChatActions.Language => IntentKind.ChooseLanguage,
            ChatActions.Cancel => IntentKind.Cancel,
            ChatActions.Answer => IntentKind.Answer,
            _ => IntentKind.Unknown,
        };
        var text = data.GetValueOrDefault(ChatActions.TextKey) ?? data.GetValueOrDefault(ChatActions.CommentKey);
        return new Intent(kind)
        {
            TicketId = numbers.TryGetId(data.GetValueOrDefault(ChatActions.TicketKey), out var id) ? id : null,
            Number = int.TryParse(data.GetValueOrDefault(ChatActions.RatingKey), NumberStyles.None, CultureInfo.InvariantCulture, out var rating) ? rating : null,
            Step = data.GetValueOrDefault(ChatActions.StepKey),
            Value = kind == IntentKind.SetLanguage ? Languages.FromLocale(data[ChatActions.ValueKey]) : data.GetValueOrDefault(ChatActions.ValueKey),
            Article = data.GetValueOrDefault(ChatActions.ArticleKey),
            Text = string.IsNullOrWhiteSpace(text) ? null : text.Trim(),
        };
    }

    public static Intent FromText(string text)
    {
        var key = Key(text);
        if (NumberPattern().Match(key) is { Success: true } match)
        {
            return new Intent(IntentKind.Number) { Number = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), Text = text.Trim() };
        }

        return Commands.TryGetValue(key, out var command) ? command : new Intent(IntentKind.Text) { Text = text.Trim() };
    }

    /// <summary>Text as the command table stores it: folded, no apostrophes or surrounding punctuation, single spaces.</summary>
    public static string Key(string text) =>
        string.Join(' ', SearchText.Fold(text).Replace("'", "", StringComparison.Ordinal).Replace("’", "", StringComparison.Ordinal).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Trim('.', '!', '¡', '?', '¿', ',', ';', ':', ' ')
            .Trim();

    private static Dictionary<string, Intent> Build(params (IntentKind Kind, string? Value, string[] Words)[] table)
    {
        var commands = new Dictionary<string, Intent>(StringComparer.Ordinal);
        foreach (var (kind, value, words) in table)
        {
            foreach (var word in words)
            {
                commands.Add(word, new Intent(kind) { Value = value });
            }
        }

        return commands;
    }

    [GeneratedRegex(@"^([0-9]{1,2})\s*[).]?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
