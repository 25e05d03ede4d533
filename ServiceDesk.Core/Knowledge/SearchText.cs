using System.Globalization;
using System.Text;

namespace ServiceDesk.Core.Knowledge;

/// <summary>
/// Turns text into search terms: lower case, accents removed, hyphenated words joined ("Wi-Fi" and
/// "wifi" match), Spanish and English stop words dropped, plurals reduced to the singular.
/// The same rules apply to articles and queries, so both sides meet on the same terms.
/// </summary>
public static class SearchText
{
    public static List<string> Terms(string? text)
    {
        var terms = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return terms;
        }

        var folded = Fold(text);
        var word = new StringBuilder();
        for (var i = 0; i < folded.Length; i++)
        {
            var c = folded[i];
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (IsJoiner(c) && word.Length > 0 && i + 1 < folded.Length && char.IsLetterOrDigit(folded[i + 1]))
            {
                // "wi-fi", "e-mail", "can't": one word, not two fragments.
            }
            else
            {
                Flush(word, terms);
            }
        }

        Flush(word, terms);
        return terms;
    }

    /// <summary>Lower case without accents: "Contraseña" → "contrasena".</summary>
    public static string Fold(string text)
    {
        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var folded = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                folded.Append(c);
            }
        }

        return folded.ToString().Normalize(NormalizationForm.FormC);
    }

    private static bool IsJoiner(char c) => c is '-' or '\'' or '’';

    private static void Flush(StringBuilder word, List<string> terms)
    {
        if (word.Length == 0)
        {
            return;
        }

        var term = word.ToString();
        word.Clear();
        if (!StopWords.Contains(term))
        {
            terms.Add(Singular(term));
        }
    }

    /// <summary>A light stemmer: enough for "printers"/"printer", "impresoras"/"impresora", "batteries"/"battery".</summary>
    private static string Singular(string term)
    {
        if (term.Length > 4 && term.EndsWith("ies", StringComparison.Ordinal))
        {
            return term[..^3] + "y";
        }

        if (term.Length > 3 && term[^1] == 's' && term[^2] != 's' && !char.IsDigit(term[^2]))
        {
            return term[..^1];
        }

        return term;
    }

    // One list for both languages: people mix them ("mi laptop no conecta al wifi").
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        // English
        "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
        "but", "by", "can", "cannot", "cant", "could", "did", "didnt", "do", "does", "doesnt", "doing", "dont", "for", "from",
        "get", "gets", "getting", "got", "had", "has", "have", "having", "he", "her", "here", "hi", "hello", "his", "how",
        "i", "im", "if", "in", "into", "is", "isnt", "it", "its", "ive", "just", "me", "more", "my", "myself", "no", "not",
        "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "please", "same", "she", "should", "since",
        "so", "some", "still", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "those", "to", "too", "up", "us", "very", "was", "wasnt", "we", "were", "what", "when", "where", "which", "while",
        "who", "why", "will", "with", "wont", "would", "you", "your",

        // Spanish (accents already removed)
        "al", "algo", "alguien", "algun", "alguna", "ante", "antes", "aqui", "asi", "aun", "ayer", "bien", "cada", "como",
        "con", "cual", "cuando", "de", "del", "desde", "donde", "dos", "e", "el", "ella", "ellos", "en", "entre", "era",
        "es", "esa", "ese", "eso", "esta", "estan", "estar", "este", "esto", "estoy", "fue", "ha", "hace", "hay", "hola",
        "hoy", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis", "mucho", "muy", "nada", "ni", "nos",
        "nuestro", "o", "otra", "otro", "para", "pero", "poco", "por", "porque", "puedo", "que", "se", "sea", "ser", "si",
        "sido", "sin", "sobre", "solo", "son", "su", "sus", "tambien", "tengo", "tiene", "todo", "todos", "tu", "tus", "u",
        "un", "una", "uno", "unos", "y", "ya", "yo",

        // What nearly everyone writes to a service desk, and so tells one problem from another not at all.
        "help", "need", "needs", "problem", "problems", "issue", "issues", "ayuda", "necesito", "problema", "problemas",
    };
}
