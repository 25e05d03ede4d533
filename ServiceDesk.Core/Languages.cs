namespace ServiceDesk.Core;

/// <summary>The languages the desk speaks to users.</summary>
public static class Languages
{
    public const string Spanish = "es";
    public const string English = "en";

    /// <summary>Maps a locale such as <c>es-MX</c> or <c>en-US</c> to a supported language, or null.</summary>
    public static string? FromLocale(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return null;
        }

        var primary = locale.Split('-', '_')[0].Trim().ToLowerInvariant();
        return primary is Spanish or English ? primary : null;
    }
}
