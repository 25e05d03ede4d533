using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace ServiceDesk.Channels.Sms;

/// <summary>How a text travels as SMS: 7-bit GSM (160 characters a segment) or UCS-2 (70).</summary>
public enum SmsEncoding
{
    Gsm7,
    Ucs2,
}

/// <summary>
/// Keeps texts in the GSM 03.38 alphabet. One curly quote, dash or "á" turns a whole SMS into UCS-2,
/// which fits 70 characters a segment instead of 160 and so costs two or three times as much; such
/// characters are replaced by their plain look-alikes. What has no look-alike (emoji, non-Latin
/// scripts) stays as written: then UCS-2 is the price of saying it at all, not an accident.
/// </summary>
public static class GsmText
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    /// <summary>Characters reached through the escape code: each takes two septets.</summary>
    private const string Extension = "^{}\\[~]|€\f";

    private const int GsmSingle = 160;
    private const int GsmPart = 153;
    private const int Ucs2Single = 70;
    private const int Ucs2Part = 67;

    /// <summary>Stands for "no plain letter" in <see cref="Plain"/>: it is no GSM character, so never an answer.</summary>
    private const char NoPlainLetter = '\uFFFF';

    private static readonly SearchValues<char> BasicSet = SearchValues.Create(Basic);
    private static readonly SearchValues<char> ExtensionSet = SearchValues.Create(Extension);

    /// <summary>
    /// <see cref="Decompose"/> per character, remembered: Unicode normalisation is an ICU call per character, and the same few
    /// letters (accents, typographic signs of the desk's own texts) come back in every reply. At most one entry per UTF-16 code unit.
    /// </summary>
    private static readonly ConcurrentDictionary<char, char> Plain = new();

    private static readonly Dictionary<char, string> LookAlikes = new()
    {
        ['\u2018'] = "'",
        ['\u2019'] = "'",
        ['\u201A'] = "'",
        ['\u201B'] = "'",
        ['\u2032'] = "'",
        ['\u00B4'] = "'",
        ['`'] = "'",
        ['\u201C'] = "\"",
        ['\u201D'] = "\"",
        ['\u201E'] = "\"",
        ['\u201F'] = "\"",
        ['\u2033'] = "\"",
        ['\u00AB'] = "\"",
        ['\u00BB'] = "\"",
        ['\u2039'] = "'",
        ['\u203A'] = "'",
        ['\u2010'] = "-",
        ['\u2011'] = "-",
        ['\u2012'] = "-",
        ['\u2013'] = "-",
        ['\u2014'] = "-",
        ['\u2015'] = "-",
        ['\u2212'] = "-",
        ['\u2026'] = "...",
        ['\u2022'] = "-",
        ['\u2023'] = "-",
        ['\u2043'] = "-",
        ['\u00B7'] = ".",
        ['\u00A0'] = " ",
        ['\u2007'] = " ",
        ['\u202F'] = " ",
        ['\u3000'] = " ",
        ['\t'] = " ",
        ['\u00AA'] = "a",
        ['\u00BA'] = "o",
        ['\u00B0'] = "o",
        ['\u00E7'] = "\u00C7",
        ['\u00A9'] = "(c)",
        ['\u00AE'] = "(R)",
        ['\u2122'] = "TM",
        ['\u00D7'] = "x",
        ['\u00F7'] = "/",
        ['\u2190'] = "<-",
        ['\u2192'] = "->",
        ['\u00BD'] = "1/2",
        ['\u00BC'] = "1/4",
        ['\u00BE'] = "3/4",
    };

    /// <summary>
    /// The text with look-alikes for characters outside the GSM alphabet, one line-break style, and
    /// no invisible or control characters.
    /// </summary>
    public static string MakeSafe(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalized.AsSpan().ContainsAnyExcept(BasicSet) is false)
        {
            return normalized;
        }

        var safe = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
        {
            if (BasicSet.Contains(c) || ExtensionSet.Contains(c))
            {
                safe.Append(c);
            }
            else if (LookAlikes.TryGetValue(c, out var replacement))
            {
                safe.Append(replacement);
            }
            else if ((c >= '\u2000' && c <= '\u200A') || c == '\u205F')
            {
                safe.Append(' ');
            }
            else if (char.IsControl(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' or '\u00AD')
            {
                // Invisible: dropped.
            }
            else if (!char.IsSurrogate(c) && WithoutAccent(c) is { } plain)
            {
                safe.Append(plain);
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    public static bool IsGsm7(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(BasicSet) || AllGsm(text);

    public static SmsEncoding EncodingOf(ReadOnlySpan<char> text) => IsGsm7(text) ? SmsEncoding.Gsm7 : SmsEncoding.Ucs2;

    /// <summary>How many SMS segments the text takes (0 for an empty text).</summary>
    public static int Segments(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        return EncodingOf(text) == SmsEncoding.Gsm7 ? GsmSegments(text) : Ucs2Segments(text);
    }

    private static bool AllGsm(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!BasicSet.Contains(c) && !ExtensionSet.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int GsmSegments(ReadOnlySpan<char> text)
    {
        var septets = 0;
        foreach (var c in text)
        {
            septets += ExtensionSet.Contains(c) ? 2 : 1;
        }

        if (septets <= GsmSingle)
        {
            return 1;
        }

        // Concatenated parts: an escape pair is never split across two parts.
        var parts = 1;
        var used = 0;
        foreach (var c in text)
        {
            var size = ExtensionSet.Contains(c) ? 2 : 1;
            if (used + size > GsmPart)
            {
                parts++;
                used = 0;
            }

            used += size;
        }

        return parts;
    }

    private static int Ucs2Segments(ReadOnlySpan<char> text)
    {
        if (text.Length <= Ucs2Single)
        {
            return 1;
        }

        // A surrogate pair (an emoji) is never split across two parts.
        var parts = 1;
        var used = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var size = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            if (used + size > Ucs2Part)
            {
                parts++;
                used = 0;
            }

            used += size;
            i += size - 1;
        }

        return parts;
    }

    /// <summary>"á" → "a", "Ó" → "O": the letter without its accent, when that is in the GSM alphabet.</summary>
    private static char? WithoutAccent(char c)
    {
        var plain = Plain.GetOrAdd(c, static c => Decompose(c) ?? NoPlainLetter);
        return plain == NoPlainLetter ? null : plain;
    }

    private static char? Decompose(char c)
    {
        var decomposed = c.ToString().Normalize(NormalizationForm.FormD);
        if (decomposed.Length < 2 || !BasicSet.Contains(decomposed[0]))
        {
            return null;
        }

        for (var i = 1; i < decomposed.Length; i++)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(decomposed[i]) != UnicodeCategory.NonSpacingMark)
            {
                return null;
            }
        }

        return decomposed[0];
    }
}
