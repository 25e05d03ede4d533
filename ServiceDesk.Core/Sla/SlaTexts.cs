using System.Globalization;
using System.Resources;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Core.Sla;

/// <summary>The texts of the internal SLA alert mail to agents, in Spanish and English (Resources/SlaTexts*.resx).</summary>
public static class SlaTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Core.Resources.SlaTexts", typeof(SlaTexts).Assembly);

    public static CultureInfo CultureFor(string language) => NotificationTexts.CultureFor(language);

    public static string Format(string key, string language, params object[] args)
    {
        var culture = CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing SLA alert text '{key}'.");
        return string.Format(culture, template, args);
    }
}
