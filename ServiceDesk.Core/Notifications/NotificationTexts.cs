using System.Collections.Concurrent;
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

    // ResourceManager.GetString takes a lock and walks the culture's fallback chain on every call; the texts never
    // change while the desk runs, and every acknowledgement asks for two of them inside the writer's turn.
    private static readonly ConcurrentDictionary<(string Key, CultureInfo Culture), string> Templates = new();

    public static CultureInfo CultureFor(string language) => language == Languages.Spanish ? Spanish : English;

    public static string Format(string key, string language, params object[] args)
    {
        var culture = CultureFor(language);
        var template = Templates.TryGetValue((key, culture), out var known) ? known : Load(key, culture);
        return string.Format(culture, template, args);
    }

    private static string Load(string key, CultureInfo culture)
    {
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing notification text '{key}'.");
        Templates.TryAdd((key, culture), template);
        return template;
    }
}
