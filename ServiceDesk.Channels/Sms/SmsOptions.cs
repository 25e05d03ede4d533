using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Channels.Sms;

/// <summary><c>Channels:Sms:*</c>: how the desk texts, whatever the provider.</summary>
public sealed class SmsOptions : IValidatableObject
{
    public const string SectionName = "Channels:Sms";

    /// <summary>
    /// The most segments one bot answer or notification may take (each is billed as one SMS); a longer
    /// text is cut at a word and ends with "... [shortened; full text on ticket SD-n]".
    /// </summary>
    [Range(1, 10)]
    public int MaxSegments { get; set; } = SmsText.MaxSegments;

    /// <summary>
    /// The largest MMS media item the desk downloads and keeps (5 MB by default, Twilio's own MMS limit); a larger
    /// one becomes a note on the ticket instead.
    /// </summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxMediaBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// The pause after a failed MMS media fetch (network, 429, 5xx) before the second of three attempts; the third
    /// waits twice as long. After the third failure the ticket gets a note instead of the media.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MediaRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where MMS media may be fetched from, redirects included: host names (<c>api.twilio.com</c>), wildcards
    /// (<c>*.twilio.com</c>), both over HTTPS only, or exact origins (<c>http://127.0.0.1:8080</c>, for a local stand-in).
    /// Empty: Twilio's media hosts (<see cref="TwilioMediaHosts.Default"/>).
    /// </summary>
    public string[]? MediaHosts { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in MediaHosts ?? [])
        {
            if (entry.Contains("://", StringComparison.Ordinal) && !Uri.TryCreate(entry, UriKind.Absolute, out _))
            {
                yield return new ValidationResult($"{SectionName}:MediaHosts '{entry}' is not an absolute URL.", [nameof(MediaHosts)]);
            }
        }
    }
}
