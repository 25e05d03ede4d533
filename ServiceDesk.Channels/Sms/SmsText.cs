namespace ServiceDesk.Channels.Sms;

/// <summary>
/// Shapes what the desk texts: GSM-safe, and at most <see cref="MaxSegments"/> segments. Twilio and
/// the handset join the segments into one message; a longer text is cut at a word boundary and ends
/// with a hint saying where the rest is (the ticket), instead of arriving as a wall of paid parts.
/// </summary>
public static class SmsText
{
    /// <summary>The default of <c>Channels:Sms:MaxSegments</c>: three segments, up to 459 GSM characters (201 in UCS-2).</summary>
    public const int MaxSegments = 3;

    /// <param name="ticketNumber">Named in the hint when the text has to be shortened; null for a generic hint.</param>
    public static string Compose(string text, string language, string? ticketNumber, int maxSegments = MaxSegments)
    {
        var safe = GsmText.MakeSafe(text.Trim());
        if (GsmText.Segments(safe) <= maxSegments)
        {
            return safe;
        }

        var hint = GsmText.MakeSafe(ticketNumber is null
            ? SmsTexts.Format("Shortened", language)
            : SmsTexts.Format("ShortenedTicket", language, ticketNumber));
        return Shorten(safe, hint, maxSegments);
    }

    private static string Shorten(string text, string hint, int maxSegments)
    {
        // Longest prefix that still fits with the hint; found by halving, then moved back to a word boundary.
        int low = 0, high = text.Length;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (GsmText.Segments(string.Concat(text.AsSpan(0, middle).TrimEnd(), hint)) <= maxSegments)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        var cut = low;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        if (cut < text.Length && !char.IsWhiteSpace(text[cut]))
        {
            var space = text.AsSpan(0, cut).LastIndexOfAny(' ', '\n');
            if (space > cut / 2)
            {
                cut = space;
            }
        }

        return string.Concat(text.AsSpan(0, cut).TrimEnd(), hint);
    }
}
