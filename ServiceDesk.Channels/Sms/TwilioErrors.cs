using ServiceDesk.Core.Messages;

namespace ServiceDesk.Channels.Sms;

/// <summary>The Twilio error codes and message statuses the desk acts on.</summary>
public static class TwilioErrors
{
    /// <summary>The recipient texted STOP: Twilio refuses every message to them until they text START.</summary>
    public const int UnsubscribedRecipient = 21610;

    /// <summary>The To number is not a valid phone number.</summary>
    public const int InvalidToNumber = 21211;

    /// <summary>The To number cannot receive SMS (a landline).</summary>
    public const int NotMobileNumber = 21614;

    /// <summary>A status callback's failure: the carrier does not know the handset (not in service).</summary>
    public const int UnknownDestination = 30005;

    /// <summary>A status callback's failure: a landline, or a carrier that cannot take SMS.</summary>
    public const int LandlineOrUnreachableCarrier = 30006;

    /// <summary>
    /// The address itself is dead: stop using it, record it on the contact and the ticket. Refused at send
    /// (21211, 21614) or reported by the carrier afterwards (30005, 30006). Not 30003 (handset off or out of
    /// coverage): that one passes.
    /// </summary>
    public static bool MeansUnreachable(int? code) => code is InvalidToNumber or NotMobileNumber or UnknownDestination or LandlineOrUnreachableCarrier;

    /// <summary>A MessageStatus of a status callback as the desk's delivery state; null for statuses that say nothing about delivery.</summary>
    public static DeliveryState? StateOf(string? messageStatus) => messageStatus?.Trim().ToLowerInvariant() switch
    {
        "accepted" or "scheduled" or "queued" or "sending" => DeliveryState.Queued,
        "sent" => DeliveryState.Sent,
        "delivered" or "read" => DeliveryState.Delivered,
        "undelivered" or "failed" or "canceled" => DeliveryState.Failed,
        _ => null,
    };
}
