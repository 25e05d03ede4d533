namespace ServiceDesk.Core.Conversations;

/// <summary>
/// A service URL that arrived on an authenticated activity of a channel (a Bot Connector endpoint):
/// the desk sends its channel credentials only to these. Persisted so every instance, and the next
/// start, trust what one instance has verified.
/// </summary>
public sealed class TrustedServiceUrl
{
    public long Id { get; set; }

    public Channel Channel { get; set; }

    /// <summary>Normalised: lower-case scheme and host, with a trailing slash.</summary>
    public required string Url { get; set; }

    public DateTimeOffset FirstSeenAt { get; set; }
}
