namespace ServiceDesk.Channels.Sms;

public enum SmsKeyword
{
    None,
    OptOut,
    OptIn,
    Help,
}

/// <summary>
/// The carrier compliance keywords Twilio acts on for long codes, recognised when they are the whole
/// message in any case. Twilio blocks messages to a number that sent STOP whatever the desk does, so
/// the desk mirrors that state rather than find out through failed sends.
/// </summary>
public static class SmsKeywords
{
    private static readonly HashSet<string> OptOut = new(StringComparer.OrdinalIgnoreCase) { "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT" };
    private static readonly HashSet<string> OptIn = new(StringComparer.OrdinalIgnoreCase) { "START", "YES", "UNSTOP" };
    private static readonly HashSet<string> Help = new(StringComparer.OrdinalIgnoreCase) { "HELP", "INFO" };

    /// <param name="optOutType">
    /// Twilio's <c>OptOutType</c> parameter (Advanced Opt-Out): STOP, START or HELP when the account's own
    /// keywords matched (e.g. a Spanish "BAJA"); it wins over the default list.
    /// </param>
    public static SmsKeyword Classify(string? body, string? optOutType)
    {
        switch (optOutType?.Trim().ToUpperInvariant())
        {
            case "STOP":
                return SmsKeyword.OptOut;
            case "START":
                return SmsKeyword.OptIn;
            case "HELP":
                return SmsKeyword.Help;
        }

        var word = (body ?? string.Empty).Trim().TrimEnd('.', '!').Trim();
        if (OptOut.Contains(word))
        {
            return SmsKeyword.OptOut;
        }

        if (OptIn.Contains(word))
        {
            return SmsKeyword.OptIn;
        }

        return Help.Contains(word) ? SmsKeyword.Help : SmsKeyword.None;
    }

    /// <summary>START and UNSTOP only mean opt-in; YES may just as well answer a question.</summary>
    public static bool IsOnlyOptIn(string? body) =>
        (body ?? string.Empty).Trim().TrimEnd('.', '!').Trim() is var word && (word.Equals("START", StringComparison.OrdinalIgnoreCase) || word.Equals("UNSTOP", StringComparison.OrdinalIgnoreCase));
}
