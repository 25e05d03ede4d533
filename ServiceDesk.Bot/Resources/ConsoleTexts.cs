namespace ServiceDesk.Bot.Resources;

/// <summary>
/// The agent console's texts in Spanish and English (<c>ConsoleTexts*.resx</c> beside this file), read through
/// <c>IStringLocalizer&lt;ConsoleTexts&gt;</c> in the agent's culture. Not for the bot or notifications: those
/// speak the contact's language.
/// </summary>
public sealed class ConsoleTexts;
