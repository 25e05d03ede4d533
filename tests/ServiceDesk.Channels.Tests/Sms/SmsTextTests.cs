using ServiceDesk.Channels.Sms;
using ServiceDesk.Core.Notifications;

namespace ServiceDesk.Channels.Tests.Sms;

public class SmsTextTests
{
    [Fact]
    public void A_short_text_goes_as_it_is_but_GSM_safe()
    {
        Assert.Equal("It's fixed - thanks...", SmsText.Compose("  It’s fixed — thanks…  ", "en", "SD-12"));
    }

    [Fact]
    public void The_desks_Spanish_notifications_stay_in_GSM_7()
    {
        var text = NotificationTexts.Format("Status_Resolved", "es", "SD-1042", "La impresora no imprime", "Service Desk");
        var sms = SmsText.Compose(text, "es", "SD-1042");

        Assert.Equal(SmsEncoding.Gsm7, GsmText.EncodingOf(sms));
        Assert.Contains("¿Como valoras la ayuda recibida?", sms);
        Assert.True(GsmText.Segments(sms) <= SmsText.MaxSegments);
    }

    [Theory]
    [InlineData("en", "[shortened; full text on ticket SD-7]")]
    [InlineData("es", "[recortado; texto completo en el ticket SD-7]")]
    public void A_long_text_is_cut_at_a_word_to_at_most_three_segments_and_says_where_the_rest_is(string language, string hint)
    {
        var words = string.Join(' ', Enumerable.Range(1, 200).Select(i => $"word{i}"));

        var sms = SmsText.Compose(words, language, "SD-7");

        Assert.Equal(3, GsmText.Segments(sms));
        Assert.EndsWith(" ... " + hint, sms);
        var kept = sms[..sms.IndexOf(" ... ", StringComparison.Ordinal)];
        Assert.StartsWith(kept, words);
        Assert.Matches(@"word\d+$", kept);
        Assert.Equal(' ', words[kept.Length]);
        Assert.True(kept.Length > 380, $"kept only {kept.Length} characters");
    }

    [Fact]
    public void A_long_UCS2_text_is_cut_to_its_own_smaller_segments()
    {
        var text = string.Concat(Enumerable.Repeat("Привет мир ", 40));

        var sms = SmsText.Compose(text, "en", null);

        Assert.Equal(SmsEncoding.Ucs2, GsmText.EncodingOf(sms));
        Assert.True(GsmText.Segments(sms) <= 3);
        Assert.EndsWith("[shortened]", sms);
    }
}
