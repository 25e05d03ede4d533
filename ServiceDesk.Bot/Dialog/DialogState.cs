using System.Text.Json;
using System.Text.Json.Serialization;
using ServiceDesk.Core.Priorities;

namespace ServiceDesk.Bot.Dialog;

/// <summary>The question the bot is waiting to have answered.</summary>
internal enum DialogStep
{
    None,
    Describe,
    Suggest,
    Impact,
    Urgency,
    Service,
    AddInformation,
    SatisfactionComment,
}

/// <summary>
/// Where a conversation with the bot stands, stored as JSON on the conversation so any app instance can
/// take the next turn. Versioned: a state written by a newer release is discarded, not misread.
/// </summary>
internal sealed record DialogState
{
    public const int CurrentVersion = 1;

    public static readonly DialogState Empty = new();

    /// <summary>Required when read: a state without one is not taken for the current version.</summary>
    [JsonRequired]
    public int Version { get; init; } = CurrentVersion;

    public DialogStep Step { get; init; }

    /// <summary>The issue being reported, while the bot collects it.</summary>
    public ReportDraft? Report { get; init; }

    /// <summary>The ticket the current question is about (information to add, a rating to comment on).</summary>
    public long? TicketId { get; init; }

    /// <summary>The choices offered last: plain-text answers "1", "2"… pick from them; a label names an action in the transcript.</summary>
    public IReadOnlyList<OfferedChoice> Choices { get; init; } = [];

    /// <summary>The choices were shown numbered (a plain-text channel).</summary>
    public bool Numbered { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool IsIdle => Step == DialogStep.None;

    /// <summary>The state stored on a conversation; empty when there is none or it cannot be used (see <paramref name="problem"/>).</summary>
    public static DialogState Read(string? json, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        // One pass over the JSON (every turn reads the state): the version is checked on what was read.
        try
        {
            var state = JsonSerializer.Deserialize(json, DialogStateJson.Default.DialogState);
            if (state is null || state.Version != CurrentVersion)
            {
                problem = "unknown version";
                return Empty;
            }

            return state;
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return Empty;
        }
    }

    public string Write() => JsonSerializer.Serialize(this, DialogStateJson.Default.DialogState);

    /// <summary>Waiting for an answer to <paramref name="step"/>, keeping the draft and ticket.</summary>
    public DialogState At(DialogStep step) => this with { Step = step };
}

/// <summary>What the bot has collected so far for a new ticket.</summary>
internal sealed record ReportDraft
{
    /// <summary>A <see cref="FirstMessageId"/> below every message's: all of the conversation's messages are the report's.</summary>
    public const long ConversationStart = 0;

    public string? Description { get; init; }

    /// <summary>
    /// The ticket already opened for this report: a problem typed freely becomes a ticket at once, and the
    /// answers that follow refine it (the service is inferred from the best article, not asked).
    /// </summary>
    public long? TicketId { get; init; }

    /// <summary>
    /// The conversation's first message of this report: it and everything after go on the ticket.
    /// <see cref="ConversationStart"/> when the report began with the conversation.
    /// </summary>
    public long FirstMessageId { get; init; }

    /// <summary>Slugs of the knowledge articles offered, best first.</summary>
    public IReadOnlyList<string> Articles { get; init; } = [];

    /// <summary>The service of the best-matching article: the default choice.</summary>
    public string? SuggestedService { get; init; }

    public Impact? Impact { get; init; }

    public Urgency? Urgency { get; init; }
}

/// <summary>The names of steps in button data (<see cref="ServiceDesk.Core.Conversations.ChatActions.StepKey"/>).</summary>
internal static class DialogSteps
{
    public static string Name(DialogStep step) => step.ToString().ToLowerInvariant();

    public static DialogStep? Parse(string? name) =>
        name is not null && name.All(char.IsAsciiLetter) && Enum.TryParse<DialogStep>(name, ignoreCase: true, out var step) ? step : null;
}

internal sealed record OfferedChoice(string Label, IReadOnlyDictionary<string, string> Data);

/// <summary>The dialog state's JSON, generated at build time: read and written on every turn.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DialogState))]
internal sealed partial class DialogStateJson : JsonSerializerContext;
