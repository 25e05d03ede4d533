using System.Text.RegularExpressions;
using System.Xml.Linq;
using ServiceDesk.Channels.Sms;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// Texts an SMS user reads must never tell them to type a carrier keyword: Twilio acts on CANCEL, STOP, YES…
/// before the desk sees them, so "write 'cancel' to stop" would unsubscribe the user instead of leaving a question.
/// </summary>
public partial class SmsKeywordSafetyTests
{
    public static TheoryData<string> PlainTextResources =>
    [
        Path.Combine("ServiceDesk.Bot", "Resources", "BotTexts.resx"),
        Path.Combine("ServiceDesk.Bot", "Resources", "BotTexts.es.resx"),
        Path.Combine("ServiceDesk.Core", "Resources", "NotificationTexts.resx"),
        Path.Combine("ServiceDesk.Core", "Resources", "NotificationTexts.es.resx"),
    ];

    [Theory]
    [MemberData(nameof(PlainTextResources))]
    public void No_text_asks_the_user_to_type_an_sms_keyword(string resource)
    {
        var texts = XDocument.Load(Path.Combine(SharedFiles.RepositoryRoot, resource)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);
        Assert.NotEmpty(texts);

        var offending = texts
            .SelectMany(t => WordsToType(t.Value).Where(w => SmsKeywords.Classify(w, null) != SmsKeyword.None).Select(w => $"{t.Key}: '{w}'"))
            .ToList();

        Assert.Empty(offending);
    }

    [Theory]
    [InlineData("es", "reportar", "menú", "(Escribe 'menú' para salir de esta pregunta.)")]
    [InlineData("en", "report", "menu", "(Write 'menu' to leave this question.)")]
    public async Task The_word_the_hint_names_leaves_the_question(string language, string report, string word, string hint)
    {
        await using var desk = await BotDesk.CreateAsync(Core.Persistence.DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Desk:DefaultLanguage"] = language });
        var ana = ChatUser.Sms(desk);

        var asked = await ana.SayAsync(report);
        Assert.EndsWith(hint, asked.Said());
        var left = await ana.SayAsync(word);

        Assert.Contains("1) ", left.Said());
        Assert.True(Bot.Dialog.DialogState.Read((await desk.ConversationAsync(ana)).DialogState, out _).IsIdle);
        Assert.Equal(SmsKeyword.None, SmsKeywords.Classify(word, null));
    }

    [Theory]
    [InlineData("(Write 'cancel' to stop.)", "cancel")]
    [InlineData("Did it work? Answer yes or no.", "yes")]
    [InlineData("Responde \"stop\" para salir.", "stop")]
    public void The_check_finds_an_instruction_to_type_a_keyword(string text, string keyword)
    {
        Assert.Contains(keyword, WordsToType(text));
    }

    /// <summary>Quoted words, and every word of a sentence after an instruction to write or answer.</summary>
    private static IEnumerable<string> WordsToType(string text)
    {
        foreach (Match quoted in Quoted().Matches(text))
        {
            yield return quoted.Groups[1].Value;
        }

        foreach (Match instruction in Instruction().Matches(text))
        {
            foreach (Match word in Word().Matches(instruction.Groups[1].Value))
            {
                yield return word.Value;
            }
        }
    }

    [GeneratedRegex("""['"“«]([^'"”»]{1,40})['"”»]""")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b(?:write|type|reply|answer|text|send|escribe|escriba|responde|contesta|envía)\b([^.!?\n]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Instruction();

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
