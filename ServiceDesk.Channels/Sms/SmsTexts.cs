using System.Resources;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Channels.Sms;

/// <summary>What the SMS channel itself says (help, opt-in confirmation, shortening hints), in Spanish and English.</summary>
public static class SmsTexts
{
    private static readonly ResourceManager Resources = new("ServiceDesk.Channels.Sms.SmsTexts", typeof(SmsTexts).Assembly);

    public static string Format(string key, string language, params object[] args)
    {
        var culture = NotificationTexts.CultureFor(language);
        var template = Resources.GetString(key, culture)
            ?? throw new InvalidOperationException($"Missing SMS text '{key}'.");
        return string.Format(culture, template, args);
    }
}
