namespace ServiceDesk.Channels.Email.Receiving;

/// <summary>
/// Mail rarely says its language. For a first contact, a count of very common Spanish and English words
/// decides which language the desk answers in; too few of either leaves the desk's default.
/// </summary>
public static class LanguageGuess
{
    private static readonly HashSet<string> Spanish = ["el", "la", "los", "las", "que", "de", "del", "y", "en", "no", "por", "para", "con", "mi", "me", "es", "está", "una", "un", "puedo", "hola", "gracias", "favor", "desde", "pero"];
    private static readonly HashSet<string> English = ["the", "and", "is", "to", "of", "in", "my", "i", "it", "not", "can", "for", "with", "on", "this", "you", "please", "hello", "hi", "thanks", "from", "but", "a"];

    public static string? Of(string text)
    {
        var spanish = 0;
        var english = 0;
        foreach (var word in text.ToLowerInvariant().Split([' ', '\n', '\r', '\t', ',', '.', ';', ':', '!', '?', '¿', '¡', '(', ')', '"'], StringSplitOptions.RemoveEmptyEntries).Take(300))
        {
            spanish += Spanish.Contains(word) ? 1 : 0;
            english += English.Contains(word) ? 1 : 0;
        }

        if (Math.Max(spanish, english) < 2 || spanish == english)
        {
            return null;
        }

        return spanish > english ? "es" : "en";
    }
}
