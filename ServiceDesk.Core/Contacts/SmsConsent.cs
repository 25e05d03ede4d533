using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;

namespace ServiceDesk.Core.Contacts;

/// <summary>
/// Whether a phone number may be sent SMS: a STOP from the person (or an opt-out reported by the
/// carrier) turns it off, a START turns it back on. Open tickets of the contact record the change
/// so agents know why updates stopped arriving.
/// </summary>
public sealed partial class SmsConsent(
    ServiceDeskDbContext db,
    WriteTransaction transaction,
    IOptions<DeskOptions> desk,
    TimeProvider time,
    ILogger<SmsConsent> logger)
{
    /// <param name="source">Why, for the audit trail (e.g. <c>keyword STOP</c>, <c>Twilio 21610</c>).</param>
    public Task<SmsConsentChange> OptOutAsync(string phone, string source, CancellationToken cancellationToken) =>
        SetAsync(phone, optedOut: true, source, cancellationToken);

    public Task<SmsConsentChange> OptInAsync(string phone, string source, CancellationToken cancellationToken) =>
        SetAsync(phone, optedOut: false, source, cancellationToken);

    private async Task<SmsConsentChange> SetAsync(string phone, bool optedOut, string source, CancellationToken cancellationToken)
    {
        var address = ContactIdentity.Normalize(Channel.Sms, phone);
        if (address.Length == 0)
        {
            throw new ArgumentException("A phone number is required.", nameof(phone));
        }

        var change = await transaction.RunAsync(
            async ct =>
            {
                var now = time.GetUtcNow();
                var contact = await db.FindContactAsync(Channel.Sms, address, ct);
                if (contact is null)
                {
                    if (!optedOut)
                    {
                        return new SmsConsentChange(null, desk.Value.DefaultLanguage, Changed: false);
                    }

                    // Remember the opt-out even for a number we never heard from: an agent may open a ticket for it later.
                    contact = new Contact
                    {
                        DisplayName = address,
                        Language = desk.Value.DefaultLanguage,
                        CreatedAt = now,
                        Identities = [new ContactIdentity { Channel = Channel.Sms, Address = address }],
                    };
                    db.Contacts.Add(contact);
                }

                var changed = contact.SmsOptedOut != optedOut;
                contact.SmsOptedOut = optedOut;
                if (changed && contact.Id != 0)
                {
                    var open = await db.Tickets
                        .Where(t => t.RequesterId == contact.Id && t.Status != TicketStatus.Resolved && t.Status != TicketStatus.Closed)
                        .ToListAsync(ct);
                    foreach (var ticket in open)
                    {
                        ticket.Record(optedOut ? TicketEventKind.ContactOptedOut : TicketEventKind.ContactOptedIn, $"contact:{contact.Id}", now, $"SMS {address}: {source}");
                    }
                }

                await db.SaveChangesAsync(ct);
                return new SmsConsentChange(contact.Id, contact.Language, changed);
            },
            cancellationToken);

        if (change.Changed)
        {
            LogChanged(change.ContactId ?? 0, optedOut ? "opted out of" : "opted back in to", source);
        }

        return change;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Contact {ContactId} {Change} SMS ({Source})")]
    private partial void LogChanged(long contactId, string change, string source);
}

/// <param name="ContactId">The contact, or null when the number is unknown (an opt-in for nobody).</param>
/// <param name="Language">The contact's language, to answer in it.</param>
/// <param name="Changed">False when the contact already was in that state (a repeated STOP).</param>
public sealed record SmsConsentChange(long? ContactId, string Language, bool Changed);
