using System.Text;
using System.Xml;

namespace ServiceDesk.Channels.Sms;

/// <summary>TwiML answers to Twilio's messaging webhook: nothing to send, or one SMS per text.</summary>
public static class Twiml
{
    public const string ContentType = "application/xml";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    public static byte[] Empty { get; } = Write([]);

    /// <summary>A <c>&lt;Response&gt;</c> with a <c>&lt;Message&gt;</c> per text; the writer escapes the XML.</summary>
    public static byte[] Messages(IEnumerable<string> texts) => Write(texts);

    private static byte[] Write(IEnumerable<string> texts)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, Settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("Response");
            foreach (var text in texts)
            {
                xml.WriteElementString("Message", WithoutInvalidXml(text));
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return buffer.ToArray();
    }

    /// <summary>Control characters other than line breaks cannot appear in XML 1.0 at all, escaped or not.</summary>
    private static string WithoutInvalidXml(string text)
    {
        foreach (var c in text)
        {
            if (!XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c))
            {
                return new string(text.Where(ch => XmlConvert.IsXmlChar(ch) || char.IsSurrogate(ch)).ToArray());
            }
        }

        return text;
    }
}
