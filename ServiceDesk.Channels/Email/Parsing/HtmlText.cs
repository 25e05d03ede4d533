using System.Text;
using MimeKit.Text;

namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>
/// HTML mail as readable plain text: block elements become line breaks, quotes become "&gt; " lines (so the
/// reply trimmer can cut them like a plain-text quote), scripts, styles and the head are dropped.
/// </summary>
public static class HtmlText
{
    private static readonly HashSet<HtmlTagId> Skipped = [HtmlTagId.Script, HtmlTagId.Style, HtmlTagId.Head, HtmlTagId.Title];

    private static readonly HashSet<HtmlTagId> Blocks =
    [
        HtmlTagId.P, HtmlTagId.Div, HtmlTagId.Table, HtmlTagId.TR, HtmlTagId.UL, HtmlTagId.OL, HtmlTagId.H1, HtmlTagId.H2,
        HtmlTagId.H3, HtmlTagId.H4, HtmlTagId.H5, HtmlTagId.H6, HtmlTagId.Pre, HtmlTagId.HR, HtmlTagId.Address, HtmlTagId.Center,
    ];

    public static string ToText(string html)
    {
        var output = new Writer();
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
        var skipping = 0;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when Skipped.Contains(tag.Id):
                    if (!tag.IsEmptyElement)
                    {
                        skipping = Math.Max(0, skipping + (tag.IsEndTag ? -1 : 1));
                    }

                    break;
                case HtmlDataToken data when skipping == 0:
                    output.Text(data.Data);
                    break;
                case HtmlTagToken { Id: HtmlTagId.Br }:
                    output.LineBreak();
                    break;
                case HtmlTagToken { Id: HtmlTagId.LI, IsEndTag: false }:
                    output.LineBreak();
                    output.Text("- ");
                    break;
                case HtmlTagToken { Id: HtmlTagId.TD or HtmlTagId.TH, IsEndTag: true }:
                    output.Text(" ");
                    break;
                case HtmlTagToken { Id: HtmlTagId.BlockQuote } quote:
                    output.Paragraph();
                    output.QuoteDepth = Math.Max(0, output.QuoteDepth + (quote.IsEndTag ? -1 : 1));
                    break;
                case HtmlTagToken tag when Blocks.Contains(tag.Id):
                    if (tag.Id == HtmlTagId.P)
                    {
                        output.Paragraph();
                    }
                    else
                    {
                        output.LineBreak();
                    }

                    break;
            }
        }

        return output.ToString();
    }

    /// <summary>Collapses HTML whitespace, writes line breaks at most twice in a row and prefixes quoted lines.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _text = new();
        private bool _lineStart = true;
        private bool _pendingSpace;
        private int _breaks = 2;

        public int QuoteDepth { get; set; }

        public void Text(string data)
        {
            foreach (var raw in data)
            {
                var c = raw == '\u00A0' ? ' ' : raw;
                if (char.IsWhiteSpace(c))
                {
                    _pendingSpace = !_lineStart;
                    continue;
                }

                if (_lineStart)
                {
                    _text.Append('>', QuoteDepth);
                    if (QuoteDepth > 0)
                    {
                        _text.Append(' ');
                    }
                }
                else if (_pendingSpace)
                {
                    _text.Append(' ');
                }

                _text.Append(c);
                _lineStart = false;
                _pendingSpace = false;
                _breaks = 0;
            }
        }

        public void LineBreak() => Break(1);

        public void Paragraph() => Break(2);

        private void Break(int wanted)
        {
            while (_breaks < wanted)
            {
                _text.Append('\n');
                _breaks++;
            }

            _lineStart = true;
            _pendingSpace = false;
        }

        public override string ToString() => _text.ToString().Trim();
    }
}
