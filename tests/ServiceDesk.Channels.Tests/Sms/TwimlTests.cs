using System.Text;
using System.Xml;
using System.Xml.Linq;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Testing;

namespace ServiceDesk.Channels.Tests.Sms;

public class TwimlTests
{
    [Fact]
    public void The_empty_answer_is_the_documented_empty_response()
    {
        var expected = XDocument.Load(SharedFiles.Path("fixtures", "twilio", "twiml-empty.xml"));
        var actual = XDocument.Parse(Encoding.UTF8.GetString(Twiml.Empty));

        Assert.True(XNode.DeepEquals(expected.Root, actual.Root));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", Encoding.UTF8.GetString(Twiml.Empty), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_reply_has_the_documented_shape()
    {
        var fixture = XDocument.Load(SharedFiles.Path("fixtures", "twilio", "twiml-reply.xml"));
        var actual = XDocument.Parse(Encoding.UTF8.GetString(Twiml.Messages(["Hello World!"])));

        Assert.Equal("Response", actual.Root!.Name.LocalName);
        Assert.Equal(fixture.Root!.Element("Message")!.Value, Assert.Single(actual.Root.Elements("Message")).Value);
    }

    [Fact]
    public void Texts_are_escaped_and_one_message_each()
    {
        var xml = Encoding.UTF8.GetString(Twiml.Messages(["a < b & c > d \"q\"", "</Message><Redirect>http://evil</Redirect>", "bell\u0007"]));
        var messages = XDocument.Parse(xml).Root!.Elements().ToList();

        Assert.All(messages, m => Assert.Equal("Message", m.Name.LocalName));
        Assert.Equal(["a < b & c > d \"q\"", "</Message><Redirect>http://evil</Redirect>", "bell"], messages.Select(m => m.Value));
        Assert.DoesNotContain("<Redirect>", xml);
    }

    [Theory]
    [InlineData("Hello World!")]
    [InlineData("He abierto el ticket SD-12: \"Mi portátil no arranca\". Prioridad P3 (media).\n1) Solo yo\n2) Mi equipo")]
    [InlineData("a < b & c > d 'q' \"r\"\r\nwindows\rold mac\n\nblank line")]
    [InlineData("emoji \U0001F600 and tab\there")]
    public void Replies_are_the_bytes_an_XmlWriter_writes(string text)
    {
        Assert.Equal(WithXmlWriter([text, "second"]), Encoding.UTF8.GetString(Twiml.Messages([text, "second"])));
        Assert.Equal(WithXmlWriter([]), Encoding.UTF8.GetString(Twiml.Empty));
    }

    /// <summary>The reference: the same document through the framework's own XML writer, with its default settings.</summary>
    private static string WithXmlWriter(IEnumerable<string> texts)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), NewLineChars = "\n" }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("Response");
            foreach (var text in texts)
            {
                xml.WriteElementString("Message", text);
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
