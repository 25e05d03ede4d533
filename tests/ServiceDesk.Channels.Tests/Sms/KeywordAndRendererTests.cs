using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Conversations;

namespace ServiceDesk.Channels.Tests.Sms;

public class KeywordAndRendererTests
{
    [Theory]
    [InlineData("STOP", SmsKeyword.OptOut)]
    [InlineData(" stop ", SmsKeyword.OptOut)]
    [InlineData("StopAll", SmsKeyword.OptOut)]
    [InlineData("unsubscribe", SmsKeyword.OptOut)]
    [InlineData("Cancel", SmsKeyword.OptOut)]
    [InlineData("END", SmsKeyword.OptOut)]
    [InlineData("quit.", SmsKeyword.OptOut)]
    [InlineData("start", SmsKeyword.OptIn)]
    [InlineData("Yes", SmsKeyword.OptIn)]
    [InlineData("UNSTOP", SmsKeyword.OptIn)]
    [InlineData("help", SmsKeyword.Help)]
    [InlineData("INFO", SmsKeyword.Help)]
    [InlineData("please stop the printer", SmsKeyword.None)]
    [InlineData("stop it", SmsKeyword.None)]
    [InlineData("", SmsKeyword.None)]
    [InlineData("estado", SmsKeyword.None)]
    public void Keywords_count_only_as_the_whole_message(string body, SmsKeyword expected) =>
        Assert.Equal(expected, SmsKeywords.Classify(body, optOutType: null));

    [Theory]
    [InlineData("BAJA", "STOP", SmsKeyword.OptOut)]
    [InlineData("ALTA", "START", SmsKeyword.OptIn)]
    [InlineData("AYUDA", "HELP", SmsKeyword.Help)]
    public void Twilios_OptOutType_wins(string body, string optOutType, SmsKeyword expected) =>
        Assert.Equal(expected, SmsKeywords.Classify(body, optOutType));

    [Fact]
    public void A_bot_reply_renders_as_plain_text_with_numbered_choices()
    {
        var reply = new BotReply
        {
            Title = "Your tickets",
            Text = "You have 2 open tickets.",
            Facts = [new BotFact("SD-1", "Printer (Open)"), new BotFact("SD-2", "VPN (Pending)")],
            Choices = [BotChoice.For("Add information", ChatActions.AddInformation), BotChoice.For("Talk to a person", ChatActions.TalkToAgent)],
        };

        Assert.Equal("You have 2 open tickets.\n\nSD-1: Printer (Open)\nSD-2: VPN (Pending)\n\n1) Add information\n2) Talk to a person", reply.ToPlainText());
    }

    [Fact]
    public void A_plain_reply_is_just_its_text() =>
        Assert.Equal("Hello", new BotReply { Text = " Hello " }.ToPlainText());
}
