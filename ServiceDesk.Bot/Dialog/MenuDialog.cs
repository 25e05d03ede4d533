using Microsoft.Extensions.Options;
using ServiceDesk.Core;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Bot.Dialog;

/// <summary>Greeting, help, language and the ways back to the start.</summary>
internal sealed class MenuDialog(IOptions<DeskOptions> desk)
{
    public void Greet(TurnContext ctx)
    {
        ctx.State = DialogState.Empty;
        ctx.Say(ctx.T("Greeting", FirstName(ctx.Contact.DisplayName), desk.Value.Name), Menu(ctx));
    }

    public void Help(TurnContext ctx)
    {
        ctx.State = DialogState.Empty;
        ctx.Say(ctx.T(ctx.Rich ? "Help" : "Help_Plain", desk.Value.Name), Menu(ctx));
    }

    public void NotUnderstood(TurnContext ctx)
    {
        ctx.Say(ctx.T(ctx.Rich ? "NotUnderstood" : "NotUnderstood_Plain"), Menu(ctx));
    }

    /// <summary>A button from an older message whose question is no longer open.</summary>
    public void Stale(TurnContext ctx)
    {
        ctx.Say(ctx.T("Stale"), Menu(ctx));
    }

    public void Cancel(TurnContext ctx)
    {
        ctx.State = DialogState.Empty;
        ctx.Say(ctx.T("Cancelled"), Menu(ctx));
    }

    public void OfferLanguages(TurnContext ctx)
    {
        // Each language names itself, so whoever reads it finds their own.
        ctx.Say(
            ctx.T("Language_Choose"),
            BotChoice.For("English", ChatActions.Language, (ChatActions.ValueKey, Languages.English)),
            BotChoice.For("Español", ChatActions.Language, (ChatActions.ValueKey, Languages.Spanish)));
    }

    public void SetLanguage(TurnContext ctx, string? language)
    {
        if (language is not (Languages.English or Languages.Spanish))
        {
            OfferLanguages(ctx);
            return;
        }

        ctx.Contact.Language = language;
        ctx.State = DialogState.Empty;
        ctx.Say(ctx.T("Language_Set"), Menu(ctx));
    }

    /// <summary>What the bot can do, as buttons; the last one switches to the other language in one tap.</summary>
    public static BotChoice[] Menu(TurnContext ctx) => Menu(ctx.Language);

    public static BotChoice[] Menu(string language) =>
    [
        BotChoice.For(BotTexts.Format("Choice_Report", language), ChatActions.Report),
        BotChoice.For(BotTexts.Format("Choice_MyTickets", language), ChatActions.MyTickets),
        BotChoice.For(BotTexts.Format("Choice_Agent", language), ChatActions.TalkToAgent),
        BotChoice.For(
            BotTexts.Format("Choice_OtherLanguage", language),
            ChatActions.Language,
            (ChatActions.ValueKey, language == Languages.Spanish ? Languages.English : Languages.Spanish)),
    ];

    private static string FirstName(string displayName)
    {
        var first = displayName.Trim().Split(' ', 2)[0];

        // An address stands in for the name of a contact known only by number or id: greet without it.
        return first.Length == 0 || first.StartsWith('+') || first.Contains('@') || Guid.TryParse(first, out _) ? "" : " " + first;
    }
}
