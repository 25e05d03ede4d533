using System.Resources;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Channels.Teams;

/// <summary>What the Teams channel itself says (card buttons, invoke answers), in Spanish and English (Resources/TeamsTexts*.resx).</summary>
public static class TeamsTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Channels.Resources.TeamsTexts", typeof(TeamsTexts).Assembly);

    public static string Format(string key, string language, params object[] args)
    {
        var culture = NotificationTexts.CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing Teams text '{key}'.");
        return string.Format(culture, template, args);
    }
}
