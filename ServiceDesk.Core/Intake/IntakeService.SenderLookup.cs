using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Catalogue;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Intake;

public sealed partial class IntakeService
{
    /// <summary>The service that came with the sender's lookup (<see cref="FindSenderAsync"/>), for the ticket the message opens.</summary>
    private Service? _serviceOfSender;

    /// <summary>
    /// The stored contact owning the sender's address. On PostgreSQL, where every query is a round trip, the same query brings
    /// the service the message names (or the default one): a sender looked up by address writes on a conversation the desk does
    /// not know, so the message opens a ticket as a rule, and that ticket needs no lookup of its own for it.
    /// </summary>
    private async Task<Contact?> FindSenderAsync(InboundMessage inbound, string address, CancellationToken ct)
    {
        if (db.Provider == DatabaseProvider.PostgreSql && !inbound.RecordOnly
            && await IntakeQueries.For(db).ContactByAddressWithService(db, inbound.Channel, address, inbound.ServiceCode ?? DefaultServiceCode, ct) is { } found)
        {
            _serviceOfSender = found.Service;
            return found.Contact;
        }

        // No service has the code (the ticket falls back to the default one), or another provider.
        return await db.FindContactAsync(inbound.Channel, address, ct);
    }

    /// <summary>
    /// The service with the code when it came with the sender's lookup and is still tracked: the instance a query would return.
    /// A transaction that lost a race is retried with the change tracker cleared, and its retry may not look the sender up again
    /// (the conversation is found now): a detached service would be inserted with the ticket that names it.
    /// </summary>
    private Service? BroughtWithSender(string code) =>
        _serviceOfSender is { } service && service.Code == code && db.Entry(service).State != EntityState.Detached ? service : null;
}
