using ServiceDesk.Channels.Sms;

namespace ServiceDesk.Channels.Tests.Sms;

public class GsmTextTests
{
    [Fact]
    public void Replaces_smart_punctuation_and_accents_without_a_GSM_form()
    {
        var safe = GsmText.MakeSafe("“Está” — it’s done… ¿Cómo valoras la ayuda? Número: 5 • «ok»\u00A0 ç\r\nfin");

        Assert.Equal("\"Esta\" - it's done... ¿Como valoras la ayuda? Numero: 5 - \"ok\"  Ç\nfin", safe);
        Assert.Equal(SmsEncoding.Gsm7, GsmText.EncodingOf(safe));
    }

    [Fact]
    public void Keeps_letters_the_GSM_alphabet_has()
    {
        const string text = "añadir, müde, café, è ù ì ò à Ñ Ü ¿¡ €[]{}";
        Assert.Equal(text, GsmText.MakeSafe(text));
        Assert.Equal(SmsEncoding.Gsm7, GsmText.EncodingOf(text));
    }

    [Fact]
    public void Leaves_what_has_no_look_alike_and_then_counts_it_as_UCS2()
    {
        var safe = GsmText.MakeSafe("Gracias 😀 Иван");
        Assert.Equal("Gracias 😀 Иван", safe);
        Assert.Equal(SmsEncoding.Ucs2, GsmText.EncodingOf(safe));
    }

    [Fact]
    public void Drops_invisible_and_control_characters()
    {
        Assert.Equal("ab c", GsmText.MakeSafe("a\u200Bb\u0007 c\uFEFF"));
    }

    [Theory]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Counts_GSM_segments(int length, int segments) =>
        Assert.Equal(segments, GsmText.Segments(new string('a', length)));

    [Fact]
    public void Counts_escaped_characters_twice_and_never_splits_them()
    {
        Assert.Equal(1, GsmText.Segments(new string('€', 80)));
        Assert.Equal(2, GsmText.Segments(new string('€', 81)));

        // 152 septets then a two-septet character: it moves whole to the second part.
        Assert.Equal(3, GsmText.Segments(new string('a', 152) + "€" + new string('a', 152)));
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Counts_UCS2_segments(int length, int segments) =>
        Assert.Equal(segments, GsmText.Segments(new string('Ж', length)));
}
