using System.Text.RegularExpressions;

namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>
/// Keeps what the sender wrote in this message: cuts the quoted history (Outlook's "De: … Enviado: …" /
/// "From: … Sent: …" header blocks, "El … escribió:" / "On … wrote:", "-----Original Message-----", trailing
/// "&gt;" quotes) and the signature ("-- ", "Sent from my …", a closing such as "Saludos," followed by a few short lines).
/// </summary>
/// <remarks>
/// Cutting too much loses what a person wrote, cutting too little only leaves a signature on the ticket: every rule
/// cuts only when the lines it removes cannot be the person's own words (a question, a P.S., a sentence, a pasted log).
/// </remarks>
public static partial class ReplyTrimmer
{
    /// <summary>Lines a signature block may have after its closing word.</summary>
    private const int MaxSignatureLines = 5;

    private const int MaxSignatureLineLength = 60;

    /// <summary>How far below a quoted "From:" line its other header lines may be.</summary>
    private const int HeaderBlockLines = 5;

    public static string Trim(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').ToList();
        lines = CutQuotedHistory(lines);
        lines = CutSignature(lines);
        var trimmed = Tidy(lines);

        // Cutting must never leave nothing: a message that is all quote or all "Thanks, Jane" is kept whole.
        return trimmed.Length > 0 ? trimmed : Tidy(text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList());
    }

    private static List<string> CutQuotedHistory(List<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (Separator().IsMatch(line))
            {
                return lines[..i];
            }

            if (IsHeaderBlock(lines, i))
            {
                // A rule drawn above the quoted headers goes with them.
                return lines[..(i > 0 && Rule().IsMatch(lines[i - 1]) ? i - 1 : i)];
            }

            var wroteAt = WroteLine(lines, i);
            if (wroteAt >= 0)
            {
                var before = lines[..i];
                if (before.Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('>')))
                {
                    return before;
                }

                // Bottom-posted: the answer follows the quote.
                return lines[(wroteAt + 1)..].Where(l => !l.TrimStart().StartsWith('>')).ToList();
            }
        }

        // A trailing block of "> " lines is the quoted message; inline answers between quotes stay.
        var end = lines.Count;
        while (end > 0 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('>')))
        {
            end--;
        }

        return lines[..end];
    }

    /// <summary>
    /// Outlook's header block: a From/De line that starts a paragraph (a blank or separator line above it), followed
    /// within a few lines by Sent/Enviado/Date/Fecha and by To/Para/Subject/Asunto. A pasted log's "From:" and "Date:"
    /// lines are not enough.
    /// </summary>
    private static bool IsHeaderBlock(List<string> lines, int index)
    {
        if (!FromLine().IsMatch(lines[index]) || (index > 0 && !StartsParagraph(lines[index - 1])))
        {
            return false;
        }

        var block = lines.Skip(index + 1).Take(HeaderBlockLines).ToList();
        return block.Any(l => SentLine().IsMatch(l)) && block.Any(l => ToOrSubjectLine().IsMatch(l));
    }

    private static bool StartsParagraph(string previous) => previous.Trim().Length == 0 || Separator().IsMatch(previous) || Rule().IsMatch(previous);

    /// <summary>"On … wrote:" / "El … escribió:", on one line or wrapped over two; returns the line it ends on, or -1.</summary>
    private static int WroteLine(List<string> lines, int index)
    {
        var line = lines[index].Trim();
        if (!WroteStart().IsMatch(line))
        {
            return -1;
        }

        if (WroteEnd().IsMatch(line))
        {
            return index;
        }

        return index + 1 < lines.Count && WroteEnd().IsMatch(lines[index + 1].Trim()) ? index + 1 : -1;
    }

    private static List<string> CutSignature(List<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] is "-- " or "--" or "—")
            {
                return lines[..i];
            }
        }

        var content = Enumerable.Range(0, lines.Count).Where(i => lines[i].Trim().Length > 0).ToList();
        if (content.Count > 0 && MobileFooter().IsMatch(lines[content[^1]].Trim()))
        {
            lines = lines[..content[^1]];
            content.RemoveAt(content.Count - 1);
        }

        // A closing word near the end, followed only by lines that look like a signature (name, department, phone).
        for (var k = Math.Max(0, content.Count - MaxSignatureLines - 1); k < content.Count; k++)
        {
            if (Closing().IsMatch(lines[content[k]].Trim()) && content.Skip(k + 1).All(i => LooksLikeSignature(lines[i])))
            {
                return lines[..content[k]];
            }
        }

        return lines;
    }

    /// <summary>
    /// "Ana Pérez", "Finanzas · ext. 4412", "+34 600 123 456": short, and neither a question, a postscript nor a
    /// sentence. "¿Podéis mirarlo hoy? Es urgente." after "Gracias" is part of the message.
    /// </summary>
    private static bool LooksLikeSignature(string line)
    {
        var text = line.Trim();
        return text.Length <= MaxSignatureLineLength
            && !text.Contains('?', StringComparison.Ordinal)
            && !Postscript().IsMatch(text)
            && !SentenceEnd().IsMatch(text);
    }

    private static string Tidy(List<string> lines)
    {
        var text = string.Join('\n', lines.Select(l => l.TrimEnd()));
        return ExtraBlankLines().Replace(text, "\n\n").Trim();
    }

    [GeneratedRegex(@"^\s*-{2,}\s*(Original Message|Mensaje original|Forwarded message|Mensaje reenviado)\s*-{2,}\s*$|^\s*_{20,}\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Separator();

    [GeneratedRegex(@"^\s*\*?(From|De)\s*:\*?\s*\S", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^\s*\*?(Sent|Enviado|Date|Fecha)\s*:\*?\s*\S", RegexOptions.IgnoreCase)]
    private static partial Regex SentLine();

    [GeneratedRegex(@"^\s*\*?(To|Para|Subject|Asunto)\s*:\*?", RegexOptions.IgnoreCase)]
    private static partial Regex ToOrSubjectLine();

    /// <summary>A line of dashes, underscores or equals signs: a separator above a quoted header block.</summary>
    [GeneratedRegex(@"^\s*[-_=*]{3,}\s*$")]
    private static partial Regex Rule();

    /// <summary>"P.S.", "PS:", "P.D." (Spanish posdata).</summary>
    [GeneratedRegex(@"^(p\.?\s?s\.?|p\.?\s?d\.?)(\s|:|$)", RegexOptions.IgnoreCase)]
    private static partial Regex Postscript();

    [GeneratedRegex(@"[.!?…]$")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"^(On|El)\s", RegexOptions.IgnoreCase)]
    private static partial Regex WroteStart();

    [GeneratedRegex(@"(wrote|escribió)\s*:$", RegexOptions.IgnoreCase)]
    private static partial Regex WroteEnd();

    [GeneratedRegex(@"^(Sent from my |Sent from Outlook|Get Outlook for |Enviado desde mi |Obtener Outlook para )", RegexOptions.IgnoreCase)]
    private static partial Regex MobileFooter();

    [GeneratedRegex(@"^(saludos( cordiales)?|un saludo( cordial)?|atentamente|cordialmente|gracias|muchas gracias|un abrazo|regards|best regards|kind regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely|br)[\s,.!]*$", RegexOptions.IgnoreCase)]
    private static partial Regex Closing();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ExtraBlankLines();
}
