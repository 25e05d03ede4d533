using System.Globalization;
using System.Text.RegularExpressions;

namespace ServiceDesk.Core.Tickets;

/// <summary>Human-readable ticket numbers such as <c>SD-1042</c>: the prefix and the ticket's database id.</summary>
/// <remarks>The id comes from the database's identity sequence, so numbers are unique under any concurrency.</remarks>
public sealed class TicketNumber(string prefix)
{
    private readonly Regex _pattern = new(
        $@"(?<![A-Za-z0-9]){Regex.Escape(prefix)}-(?<id>[0-9]{{1,18}})(?![0-9])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        TimeSpan.FromMilliseconds(200));

    public string Prefix { get; } = prefix;

    public string Format(long id) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}-{id}");

    /// <summary>Parses exactly a ticket number (e.g. a route value).</summary>
    public bool TryGetId(string? text, out long id)
    {
        id = 0;
        if (text is null)
        {
            return false;
        }

        var match = _pattern.Match(text.Trim());
        return match.Success && match.Index == 0 && match.Length == text.Trim().Length
            && long.TryParse(match.Groups["id"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;
    }

    /// <summary>Every ticket number mentioned in a text, in order, e.g. in "Re: [SD-12] VPN" or "about SD-12".</summary>
    public IEnumerable<long> FindIn(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        foreach (Match match in _pattern.Matches(text))
        {
            if (long.TryParse(match.Groups["id"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                yield return id;
            }
        }
    }
}
