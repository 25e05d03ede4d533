using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Channels.Sms;

/// <summary><c>Channels:Sms:*</c>: how the desk texts, whatever the provider.</summary>
public sealed class SmsOptions
{
    public const string SectionName = "Channels:Sms";

    /// <summary>
    /// The most segments one bot answer or notification may take (each is billed as one SMS); a longer
    /// text is cut at a word and ends with "... [shortened; full text on ticket SD-n]".
    /// </summary>
    [Range(1, 10)]
    public int MaxSegments { get; set; } = SmsText.MaxSegments;
}
