using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace ServiceDesk.Channels.Sms;

/// <summary>
/// Twilio's request signature (<c>X-Twilio-Signature</c>): Base64(HMAC-SHA1(auth token, URL + each
/// parameter name in ordinal order followed by its values)). Twilio signs the URL exactly as it
/// requested it; like Twilio's own libraries, validation also tries it with the port removed and
/// with the scheme's default port added, since proxies differ on which form reaches the app.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    private const int Sha1Length = 20;

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        Span<byte> hash = stackalloc byte[Sha1Length];
        Hash(authToken, SignedText(url, parameters), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>Checks a form-encoded request's signature, in constant time.</summary>
    public static bool IsValid(string authToken, string? signature, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        Span<byte> presented = stackalloc byte[Sha1Length];
        if (string.IsNullOrEmpty(signature) || !Convert.TryFromBase64String(signature, presented, out var written) || written != Sha1Length)
        {
            return false;
        }

        var sorted = Sorted(parameters);
        Span<byte> expected = stackalloc byte[Sha1Length];
        var valid = false;
        foreach (var candidate in Candidates(url))
        {
            Hash(authToken, SignedText(candidate, sorted), expected);

            // Every candidate is checked: the time taken does not reveal which one matched.
            valid |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }

        return valid;
    }

    /// <summary>
    /// Checks a request with a JSON body: Twilio puts the body's SHA-256 (hex) in the URL's
    /// <c>bodySHA256</c> query parameter and signs the URL alone.
    /// </summary>
    public static bool IsValidJson(string authToken, string? signature, string url, ReadOnlySpan<byte> body)
    {
        var claimed = QueryValue(url, "bodySHA256");
        if (claimed is null || claimed.Length != SHA256.HashSizeInBytes * 2)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, actual);
        Span<byte> claimedBytes = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.FromHexString(claimed, claimedBytes, out _, out var decoded) != OperationStatus.Done || decoded != claimedBytes.Length)
        {
            return false;
        }

        var bodyMatches = CryptographicOperations.FixedTimeEquals(actual, claimedBytes);
        return IsValid(authToken, signature, url, []) & bodyMatches;
    }

    /// <summary>The lowercase hex SHA-256 of a JSON body, as Twilio puts it in <c>bodySHA256</c>.</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>The URL as given, without its port, and with the scheme's default port (distinct forms only).</summary>
    public static IReadOnlyList<string> Candidates(string url)
    {
        var parts = UrlParts.Split(url);
        if (parts is null)
        {
            return [url];
        }

        var (scheme, userInfo, host, port, rest) = parts.Value;
        var withoutPort = scheme + userInfo + host + rest;
        var defaultPort = scheme.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? ":443" : ":80";
        var withPort = port.Length > 0 ? url : scheme + userInfo + host + defaultPort + rest;
        return withoutPort == withPort ? [withoutPort] : [withoutPort, withPort];
    }

    private static string SignedText(string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        SignedText(url, parameters as SortedParameters ?? Sorted(parameters));

    private static string SignedText(string url, SortedParameters sorted)
    {
        var text = new StringBuilder(url, url.Length + sorted.Length);
        foreach (var (name, value) in sorted.Items)
        {
            text.Append(name).Append(value);
        }

        return text.ToString();
    }

    /// <summary>Names in ordinal order; a name sent more than once contributes each distinct value once, in ordinal order (as Twilio's libraries do).</summary>
    private static SortedParameters Sorted(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var all = parameters.ToList();
        all.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Key, b.Key);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        var items = new List<KeyValuePair<string, string>>(all.Count);
        var length = 0;
        foreach (var item in all)
        {
            if (items.Count > 0 && string.Equals(items[^1].Key, item.Key, StringComparison.Ordinal) && string.Equals(items[^1].Value, item.Value, StringComparison.Ordinal))
            {
                continue;
            }

            items.Add(item);
            length += item.Key.Length + item.Value.Length;
        }

        return new SortedParameters(items, length);
    }

    private static void Hash(string authToken, string text, Span<byte> destination)
    {
        var keyLength = Encoding.UTF8.GetByteCount(authToken);
        var textLength = Encoding.UTF8.GetByteCount(text);
        var buffer = ArrayPool<byte>.Shared.Rent(keyLength + textLength);
        try
        {
            var key = buffer.AsSpan(0, keyLength);
            var data = buffer.AsSpan(keyLength, textLength);
            Encoding.UTF8.GetBytes(authToken, key);
            Encoding.UTF8.GetBytes(text, data);
            HMACSHA1.HashData(key, data, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private static string? QueryValue(string url, string name)
    {
        var query = url.IndexOf('?');
        if (query < 0)
        {
            return null;
        }

        foreach (var pair in url[(query + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && Uri.UnescapeDataString(pair[..equals]) == name)
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }

        return null;
    }

    private sealed class SortedParameters(List<KeyValuePair<string, string>> items, int length) : IEnumerable<KeyValuePair<string, string>>
    {
        public List<KeyValuePair<string, string>> Items { get; } = items;

        public int Length { get; } = length;

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Items.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Splits a URL without normalising it: the signed string is the URL exactly as Twilio requested it.</summary>
    private static class UrlParts
    {
        public static (string Scheme, string UserInfo, string Host, string Port, string Remainder)? Split(string url)
        {
            var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd <= 0)
            {
                return null;
            }

            var authorityStart = schemeEnd + 3;
            var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
            if (authorityEnd < 0)
            {
                authorityEnd = url.Length;
            }

            var authority = url[authorityStart..authorityEnd];
            var userInfoEnd = authority.LastIndexOf('@') + 1;
            var hostAndPort = authority[userInfoEnd..];

            // In an IPv6 literal the port's colon comes after the closing bracket.
            var portStart = hostAndPort.IndexOf(':', hostAndPort.LastIndexOf(']') + 1);
            return (
                url[..authorityStart],
                authority[..userInfoEnd],
                portStart < 0 ? hostAndPort : hostAndPort[..portStart],
                portStart < 0 ? string.Empty : hostAndPort[portStart..],
                url[authorityEnd..]);
        }
    }
}
