using System.Globalization;
using System.Resources;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Channels.Email;

/// <summary>The e-mail channel's own texts, in Spanish and English (Email/Resources/EmailTexts*.resx).</summary>
public static class EmailTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Channels.Email.Resources.EmailTexts", typeof(EmailTexts).Assembly);

    public static string Format(string key, string language, params object[] args)
    {
        var culture = NotificationTexts.CultureFor(language);
        var template = Resources.GetString(key, culture) ?? throw new InvalidOperationException($"Missing e-mail text '{key}'.");
        return string.Format(culture, template, args);
    }

    /// <summary>"2.5 MB", in the language's number format.</summary>
    public static string Size(long bytes, string language)
    {
        var culture = NotificationTexts.CultureFor(language);
        return bytes switch
        {
            >= 1024 * 1024 => (bytes / 1024.0 / 1024.0).ToString("0.#", culture) + " MB",
            >= 1024 => (bytes / 1024.0).ToString("0", culture) + " KB",
            _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        };
    }
}
