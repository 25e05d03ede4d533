using System.Text.Json.Nodes;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Channels.Teams;

/// <summary>How card buttons send their data back.</summary>
public enum CardActionStyle
{
    /// <summary><c>Action.Submit</c>: a message activity with the data in <c>value</c> (Web Chat, Direct Line, the emulator).</summary>
    Submit,

    /// <summary>
    /// <c>Action.Execute</c> (Universal Actions): an <c>adaptiveCard/action</c> invoke the bot answers with a
    /// refreshed card; hosts that do not know it fall back to <c>Action.Submit</c> with the same data.
    /// </summary>
    Execute,
}

/// <summary>
/// Renders a channel-neutral <see cref="BotReply"/> as an Adaptive Card 1.5 (TextBlocks, FactSet,
/// Input.Text, buttons), with the reply's plain text as the fallback for hosts without cards.
/// </summary>
public static class AdaptiveCards
{
    public const string ContentType = "application/vnd.microsoft.card.adaptive";
    public const string Version = "1.5";

    /// <summary>The style that fits a channel: Universal Actions in Teams, Action.Submit elsewhere.</summary>
    public static CardActionStyle StyleFor(string? channelId) =>
        string.Equals(channelId, "msteams", StringComparison.OrdinalIgnoreCase) ? CardActionStyle.Execute : CardActionStyle.Submit;

    /// <summary>True when the reply is just words: it goes out as a text message, not a card.</summary>
    public static bool IsPlain(BotReply reply) =>
        reply.Title is null && reply.Facts.Count == 0 && reply.Inputs.Count == 0 && reply.Choices.Count == 0;

    public static JsonObject Render(BotReply reply, CardActionStyle style)
    {
        var body = new JsonArray();
        if (!string.IsNullOrWhiteSpace(reply.Title))
        {
            body.Add(TextBlock(reply.Title, heading: true));
        }

        if (!string.IsNullOrWhiteSpace(reply.Text))
        {
            body.Add(TextBlock(reply.Text, heading: false));
        }

        if (reply.Facts.Count > 0)
        {
            var facts = new JsonArray();
            foreach (var fact in reply.Facts)
            {
                facts.Add(new JsonObject { ["title"] = fact.Label, ["value"] = fact.Value });
            }

            body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        }

        foreach (var input in reply.Inputs)
        {
            var field = new JsonObject
            {
                ["type"] = "Input.Text",
                ["id"] = input.Id,
                ["label"] = input.Label,
                ["isMultiline"] = input.Multiline,
            };
            if (input.Placeholder is not null)
            {
                field["placeholder"] = input.Placeholder;
            }

            body.Add(field);
        }

        // Buttons that send the same action (a 1–5 rating, impact levels) form one row each.
        foreach (var row in Rows(reply.Choices))
        {
            var actions = new JsonArray();
            foreach (var choice in row)
            {
                actions.Add(Action(choice, style));
            }

            body.Add(new JsonObject { ["type"] = "ActionSet", ["actions"] = actions });
        }

        return new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = Version,
            ["fallbackText"] = reply.ToPlainText(),
            ["body"] = body,
        };
    }

    /// <summary>The card as a message attachment.</summary>
    public static Attachment Attachment(JsonObject card) => new() { ContentType = ContentType, Content = card };

    private static JsonObject TextBlock(string text, bool heading)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (heading)
        {
            block["weight"] = "Bolder";
            block["size"] = "Medium";
            block["style"] = "heading";
        }

        return block;
    }

    private static JsonObject Action(BotChoice choice, CardActionStyle style)
    {
        var submit = new JsonObject { ["type"] = "Action.Submit", ["title"] = choice.Label, ["data"] = Data(choice) };
        if (style == CardActionStyle.Submit)
        {
            return submit;
        }

        return new JsonObject
        {
            ["type"] = "Action.Execute",
            ["title"] = choice.Label,
            ["verb"] = choice.Data.TryGetValue(ChatActions.Key, out var verb) ? verb : null,
            ["data"] = Data(choice),
            ["fallback"] = submit,
        };
    }

    private static JsonObject Data(BotChoice choice)
    {
        var data = new JsonObject();
        foreach (var (key, value) in choice.Data)
        {
            data[key] = value;
        }

        return data;
    }

    /// <summary>
    /// Consecutive buttons with the same action are a scale (a 1–5 rating) and get a row of their own;
    /// distinct actions (help, report, my tickets) share rows.
    /// </summary>
    private static List<List<BotChoice>> Rows(IReadOnlyList<BotChoice> choices)
    {
        var rows = new List<List<BotChoice>>();
        List<BotChoice>? mixed = null;
        for (var i = 0; i < choices.Count;)
        {
            var action = ActionOf(choices[i]);
            var end = i + 1;
            while (end < choices.Count && action is not null && ActionOf(choices[end]) == action)
            {
                end++;
            }

            if (end - i > 1)
            {
                mixed = null;
                rows.Add([.. choices.Skip(i).Take(end - i)]);
            }
            else
            {
                if (mixed is null)
                {
                    mixed = [];
                    rows.Add(mixed);
                }

                mixed.Add(choices[i]);
            }

            i = end;
        }

        return rows;
    }

    private static string? ActionOf(BotChoice choice) => choice.Data.TryGetValue(ChatActions.Key, out var name) ? name : null;
}
