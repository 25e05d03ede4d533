using System.Net;
using System.Text.RegularExpressions;

namespace ServiceDesk.Channels.Teams;

/// <summary>
/// Turns the text of a Teams message into what the user meant: in channels a message to the bot starts
/// with <c>&lt;at&gt;Bot name&lt;/at&gt;</c>, which is not part of the request.
/// </summary>
public static partial class Mentions
{
    /// <summary>The text without the bot's mentions; other people's mentions are kept as their plain names.</summary>
    public static string StripBotMention(Activity activity)
    {
        var text = activity.Text ?? string.Empty;
        var botId = activity.Recipient?.Id;
        foreach (var mention in activity.Entities ?? [])
        {
            if (mention.Type == "mention" && mention.Text is { Length: > 0 } tag && botId is not null
                && string.Equals(mention.Mentioned?.Id, botId, StringComparison.OrdinalIgnoreCase))
            {
                text = text.Replace(tag, string.Empty, StringComparison.Ordinal);
            }
        }

        // Whatever <at> tags remain name other people: keep the name, drop the markup.
        text = AtTag().Replace(text, match => WebUtility.HtmlDecode(match.Groups[1].Value));
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex("<at>(.*?)</at>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AtTag();

    // Collapses the runs of spaces a removed mention leaves behind, but keeps line breaks.
    [GeneratedRegex("[ \\t\\u00A0]{2,}")]
    private static partial Regex Whitespace();
}
