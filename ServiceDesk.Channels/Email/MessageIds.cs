using System.Globalization;
using System.Text.RegularExpressions;

namespace ServiceDesk.Channels.Email;

/// <summary>
/// The desk's Message-IDs, <c>sd-{ticket}.m{message}.{delivery key}@{desk domain}</c>: unique per delivery,
/// stable across retries of one delivery, and a reply's In-Reply-To tells which ticket it answers.
/// </summary>
public sealed partial class MessageIds
{
    private readonly string _prefix;
    private readonly string _domain;
    private readonly Regex _pattern;

    public MessageIds(string ticketPrefix, string domain)
    {
        _prefix = ticketPrefix.ToLowerInvariant();
        _domain = domain.ToLowerInvariant();
        _pattern = new Regex(
            $@"^{Regex.Escape(_prefix)}-(?<ticket>[0-9]{{1,18}})\.(?<tail>[^@\s]+)@(?<domain>[^@\s]+)$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The ticket number prefix, lower-cased (<c>sd</c>).</summary>
    public string TicketPrefix => _prefix;

    /// <summary>A Message-ID (without angle brackets) for one delivery of one message.</summary>
    public string Create(long ticketId, long messageId, Guid deliveryKey) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}-{ticketId}.m{messageId}.{deliveryKey:N}@{_domain}");

    /// <summary>
    /// The ticket a Message-ID of ours names; null for anybody else's (the desk's domain or a subdomain of it).
    /// Anybody can write such an id: it is a claim until <see cref="Receiving.SentMail"/> finds the mail it names.
    /// </summary>
    public long? TicketIdIn(string? messageId) => Read(messageId)?.TicketId;

    public bool IsOurs(string? messageId) => Read(messageId) is not null;

    /// <summary>What one of our Message-IDs names; the message and delivery key only when it has the form <see cref="Create"/> writes.</summary>
    public OurMessageId? Read(string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
        {
            return null;
        }

        var id = messageId.Trim().Trim('<', '>');
        var match = _pattern.Match(id);
        if (!match.Success)
        {
            return null;
        }

        var domain = match.Groups["domain"].Value.ToLowerInvariant();
        if (domain != _domain && !domain.EndsWith("." + _domain, StringComparison.Ordinal))
        {
            return null;
        }

        if (!long.TryParse(match.Groups["ticket"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticket) || ticket <= 0)
        {
            return null;
        }

        var delivery = Delivery().Match(match.Groups["tail"].Value);
        return delivery.Success
            && long.TryParse(delivery.Groups["message"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var message)
            && Guid.TryParseExact(delivery.Groups["key"].Value, "N", out var key)
            ? new OurMessageId(id, ticket, message, key)
            : new OurMessageId(id, ticket, null, null);
    }

    [GeneratedRegex(@"^m(?<message>[0-9]{1,18})\.(?<key>[0-9a-f]{32})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Delivery();
}

/// <param name="Value">The Message-ID without angle brackets.</param>
/// <param name="MessageId">The desk's message the mail carried, and <paramref name="DeliveryKey"/> its outbox delivery key.</param>
public sealed record OurMessageId(string Value, long TicketId, long? MessageId, Guid? DeliveryKey);
