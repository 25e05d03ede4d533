using System.Resources;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Bot.Dialog;

/// <summary>What the bot says, in Spanish and English (Resources/BotTexts*.resx).</summary>
public static class BotTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Bot.Resources.BotTexts", typeof(BotTexts).Assembly);

    public static string Format(string key, string language, params object[] args)
    {
        var culture = NotificationTexts.CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing bot text '{key}'.");
        return string.Format(culture, template, args);
    }
}
