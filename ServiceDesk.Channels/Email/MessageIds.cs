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
            $@"^{Regex.Escape(_prefix)}-(?<ticket>[0-9]{{1,18}})\.[^@\s]+@(?<domain>[^@\s]+)$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromMilliseconds(100));
    }

    /// <summary>A Message-ID (without angle brackets) for one delivery of one message.</summary>
    public string Create(long ticketId, long messageId, Guid deliveryKey) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}-{ticketId}.m{messageId}.{deliveryKey:N}@{_domain}");

    /// <summary>The ticket a Message-ID of ours names; null for anybody else's (the desk's domain or a subdomain of it).</summary>
    public long? TicketIdIn(string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
        {
            return null;
        }

        var match = _pattern.Match(messageId.Trim().Trim('<', '>'));
        if (!match.Success)
        {
            return null;
        }

        var domain = match.Groups["domain"].Value.ToLowerInvariant();
        if (domain != _domain && !domain.EndsWith("." + _domain, StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(match.Groups["ticket"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    public bool IsOurs(string? messageId) => TicketIdIn(messageId) is not null;
}
