using System.Text;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Channels.Sms;

/// <summary>
/// A bot reply as plain text for SMS: the text, the facts as "Label: value" lines, and the choices
/// numbered "1) …" in order, so the user answers with the number.
/// </summary>
public static class SmsReplyRenderer
{
    public static string Render(BotReply reply)
    {
        var text = new StringBuilder(reply.Text.Trim());
        if (reply.Facts.Count > 0)
        {
            text.Append('\n');
            foreach (var fact in reply.Facts)
            {
                text.Append('\n').Append(fact.Label.Trim()).Append(": ").Append(fact.Value.Trim());
            }
        }

        if (reply.Choices.Count > 0)
        {
            text.Append('\n');
            for (var i = 0; i < reply.Choices.Count; i++)
            {
                text.Append('\n').Append(i + 1).Append(") ").Append(reply.Choices[i].Label.Trim());
            }
        }

        return text.ToString();
    }
}
