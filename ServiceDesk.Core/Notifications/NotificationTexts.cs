using System.Globalization;
using System.Resources;

namespace ServiceDesk.Core.Notifications;

/// <summary>The texts the desk sends to requesters, in Spanish and English (Resources/NotificationTexts*.resx).</summary>
public static class NotificationTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Core.Resources.NotificationTexts", typeof(NotificationTexts).Assembly);

    public static CultureInfo CultureFor(string language) =>
        CultureInfo.GetCultureInfo(language == Languages.Spanish ? "es-ES" : "en-GB");

    public static string Format(string key, string language, params object[] args)
    {
        var culture = CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing notification text '{key}'.");
        return string.Format(culture, template, args);
    }
}
