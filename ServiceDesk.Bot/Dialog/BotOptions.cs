using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Bot.Dialog;

/// <summary>How the chat bot converses (<c>Bot:*</c>).</summary>
public sealed class BotOptions
{
    public const string SectionName = "Bot";

    /// <summary>A question left unanswered this long is forgotten: the next message starts afresh.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "Bot:DialogTimeout must be between 1 minute and 7 days.")]
    public TimeSpan DialogTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many knowledge articles the bot offers before opening a ticket (plain-text channels get the best one).</summary>
    [Range(1, 5, ErrorMessage = "Bot:MaxSuggestions must be between 1 and 5.")]
    public int MaxSuggestions { get; set; } = 3;

    /// <summary>The BM25 score an article needs to be offered; below it, a match on a common word is noise.</summary>
    [Range(0.0, 100.0, ErrorMessage = "Bot:SuggestionMinimumScore must be between 0 and 100.")]
    public double SuggestionMinimumScore { get; set; } = 3.5;
}
