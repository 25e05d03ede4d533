using System.Globalization;
using System.Resources;

namespace ServiceDesk.Core.Notifications;

/// <summary>The texts the desk sends to requesters, in Spanish and English (Resources/NotificationTexts*.resx).</summary>
public static class NotificationTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Core.Resources.NotificationTexts", typeof(NotificationTexts).Assembly);

    // GetCultureInfo looks its cache up under a lock: every notification, bot reply and channel text asks for one of these two.
    private static readonly CultureInfo Spanish = CultureInfo.GetCultureInfo("es-ES");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static CultureInfo CultureFor(string language) => language == Languages.Spanish ? Spanish : English;

    public static string Format(string key, string language, params object[] args)
    {
        var culture = CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing notification text '{key}'.");
        return string.Format(culture, template, args);
    }
}
