using MimeKit;

namespace ServiceDesk.Channels.Email.Parsing;

/// <summary>The parts of an RFC 3464 delivery status notification the desk acts on.</summary>
/// <param name="FailedRecipients">Recipients that failed for good (5.x.x).</param>
/// <param name="SoftFailedRecipients">Recipients the server gave up on for now (4.x.x: a full mailbox, a server away).</param>
public sealed record DeliveryReport(IReadOnlyList<string> FailedRecipients, IReadOnlyList<string> SoftFailedRecipients, IReadOnlyList<string> OriginalMessageIds)
{
    public static readonly DeliveryReport Empty = new([], [], []);

    public static DeliveryReport Read(MimeMessage message)
    {
        var failed = new List<string>();
        var soft = new List<string>();
        var originals = new List<string>();
        foreach (var part in message.BodyParts)
        {
            switch (part)
            {
                case MessageDeliveryStatus status:
                    // Group 0 describes the message; each further group one recipient.
                    foreach (var group in status.StatusGroups.Skip(1))
                    {
                        var action = group["Action"]?.Trim();
                        var code = group["Status"]?.Trim() ?? string.Empty;
                        if (!string.Equals(action, "failed", StringComparison.OrdinalIgnoreCase))
                        {
                            continue; // delayed, relayed or delivered: not a failed address
                        }

                        if (AddressOf(group["Final-Recipient"] ?? group["Original-Recipient"]) is { } address)
                        {
                            (code.StartsWith('4') ? soft : failed).Add(address);
                        }
                    }

                    break;
                // message/rfc822 and text/rfc822-headers (MimeKit reads both as a message part).
                case MessagePart { Message.MessageId: { Length: > 0 } original }:
                    originals.Add(original);
                    break;
            }
        }

        return new DeliveryReport(
            failed.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            soft.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            originals.Where(o => !string.IsNullOrEmpty(o)).ToList());
    }

    /// <summary>"rfc822; nobody@example.org" → "nobody@example.org".</summary>
    private static string? AddressOf(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            return null;
        }

        var value = field[(field.IndexOf(';') + 1)..].Trim().Trim('<', '>');
        return value.Contains('@', StringComparison.Ordinal) ? value : null;
    }
}
