namespace ServiceDesk.Core.Webhooks;

/// <summary>
/// The desk's own base URL as a channel's provider last reached it, taken from a webhook whose signature
/// proved the provider sent it. Used to give the provider callback URLs when none is configured; persisted
/// so every instance, and the next start, know it.
/// </summary>
public sealed class ObservedBaseUrl
{
    public Channel Channel { get; set; }

    /// <summary>Scheme, host, port and path base, without a trailing slash (e.g. <c>https://desk.example.com</c>).</summary>
    public required string Url { get; set; }

    public DateTimeOffset SeenAt { get; set; }
}
