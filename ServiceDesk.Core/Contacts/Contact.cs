namespace ServiceDesk.Core.Contacts;

/// <summary>A person who asks the desk for help, reachable on one or more channels.</summary>
public sealed class Contact
{
    public long Id { get; set; }

    public required string DisplayName { get; set; }

    /// <summary><c>es</c> or <c>en</c>.</summary>
    public required string Language { get; set; }

    /// <summary>The person texted STOP: no SMS may be sent to them until they opt back in.</summary>
    public bool SmsOptedOut { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<ContactIdentity> Identities { get; set; } = [];

    public ContactIdentity? IdentityOn(Channel channel) =>
        Identities.FirstOrDefault(i => i.Channel == channel && !i.Unreachable);
}

/// <summary>One address of a contact: a Teams AAD object id, an email address or an E.164 phone number.</summary>
public sealed class ContactIdentity
{
    public long Id { get; set; }

    public long ContactId { get; set; }

    public Channel Channel { get; set; }

    /// <summary>Normalised: e-mail lower-cased, phone in E.164, AAD ids lower-cased.</summary>
    public required string Address { get; set; }

    /// <summary>Set when the channel told us it cannot deliver here (bounce, blocked bot, invalid number).</summary>
    public bool Unreachable { get; set; }

    public string? UnreachableReason { get; set; }

    /// <summary>
    /// Temporary delivery failures (a full mailbox, a server down: 4.x.x) since the address last proved to work;
    /// the address counts as unreachable only after <see cref="SoftBouncesBeforeUnreachable"/> of them.
    /// </summary>
    public int SoftBounces { get; set; }

    public const int SoftBouncesBeforeUnreachable = 3;

    public static string Normalize(Channel channel, string address)
    {
        var trimmed = address.Trim();
        return channel switch
        {
            Channel.Sms => NormalizePhone(trimmed),
            _ => trimmed.ToLowerInvariant(),
        };
    }

    private static string NormalizePhone(string phone)
    {
        // Keep a leading '+' and the digits: "+34 600-123 456" and "+34600123456" are the same number.
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        return phone.StartsWith('+') ? "+" + digits : digits;
    }
}
