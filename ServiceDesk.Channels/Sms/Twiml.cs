using System.Text;
using System.Xml;

namespace ServiceDesk.Channels.Sms;

/// <summary>TwiML answers to Twilio's messaging webhook: nothing to send, or one SMS per text.</summary>
public static class Twiml
{
    public const string ContentType = "application/xml";

    private const string Declaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

    public static byte[] Empty { get; } = Encoding.UTF8.GetBytes(Declaration + "<Response />");

    /// <summary>
    /// A <c>&lt;Response&gt;</c> with a <c>&lt;Message&gt;</c> per text, the texts escaped. Written by hand: the document is
    /// one fixed shape, and an <see cref="XmlWriter"/> costs its buffers and state on every webhook.
    /// </summary>
    public static byte[] Messages(IEnumerable<string> texts)
    {
        var xml = new StringBuilder(Declaration, 256).Append("<Response>");
        foreach (var text in texts)
        {
            AppendEscaped(xml.Append("<Message>"), text).Append("</Message>");
        }

        return Encoding.UTF8.GetBytes(xml.Append("</Response>").ToString());
    }

    /// <summary>
    /// Element text as <see cref="XmlWriter"/> wrote it: markup characters escaped, line breaks as <c>\n</c>, and the control
    /// characters that cannot appear in XML 1.0 at all, escaped or not, left out.
    /// </summary>
    private static StringBuilder AppendEscaped(StringBuilder xml, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '<':
                    xml.Append("&lt;");
                    break;
                case '>':
                    xml.Append("&gt;");
                    break;
                case '&':
                    xml.Append("&amp;");
                    break;
                case '\r':
                    xml.Append('\n');
                    if (i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }

                    break;
                default:
                    if (XmlConvert.IsXmlChar(c) || char.IsSurrogate(c))
                    {
                        xml.Append(c);
                    }

                    break;
            }
        }

        return xml;
    }
}
