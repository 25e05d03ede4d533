using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// The keys of the rows a message creates (on SQLite taken before the save, so that a new ticket is one save): a number
/// or contact once given is never given again, even after its row is gone, and the acknowledgement quotes the stored number.
/// </summary>
public class IntakeKeysTests
{
    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task Keys_of_deleted_tickets_and_contacts_are_not_given_again(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var deletedContact = await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var contact = new Contact { DisplayName = "Gone", Language = "es", Identities = [new ContactIdentity { Channel = Channel.Email, Address = "gone@example.com" }] };
            db.Contacts.Add(contact);
            await db.SaveChangesAsync();
            db.Contacts.Remove(contact);
            await db.SaveChangesAsync();
            return contact.Id;
        });

        // The newest ticket goes (with its messages, events and outbox rows): its number stays taken.
        var deleted = await ReceiveAsync(desk, Email("<gone@example.com>", "ana@example.com", "La impresora no imprime"));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            db.Tickets.Remove(await db.Tickets.SingleAsync(t => t.Id == deleted.TicketId));
            await db.SaveChangesAsync();
        });

        var result = await ReceiveAsync(desk, Email("<new@example.com>", "luis@example.com", "El correo no llega"));

        Assert.Equal(IntakeOutcome.CreatedTicket, result.Outcome);
        Assert.True(result.TicketId > deleted.TicketId, $"ticket {result.TicketId} after the deleted {deleted.TicketId}");
        Assert.True(result.ContactId > deletedContact, $"contact {result.ContactId} after the deleted {deletedContact}");
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.Include(t => t.Messages).SingleAsync();
            Assert.Equal(result.TicketId, ticket.Id);
            Assert.Equal(result.ContactId, ticket.RequesterId);
            Assert.Equal(result.MessageId, Assert.Single(ticket.Messages, m => m.Direction == Messages.MessageDirection.Inbound).Id);
            Assert.Contains(result.TicketNumber, Assert.Single(ticket.Messages, m => m.Kind == Messages.MessageKind.Acknowledgement).Body);
        });
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_first_contacts_ticket_events_name_the_contact_by_its_id(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        var result = await ReceiveAsync(desk, Email("<first@example.com>", "nuevo@example.com", "No puedo entrar en la VPN"));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var actors = await db.TicketEvents.Where(e => e.TicketId == result.TicketId).Select(e => e.Actor).ToListAsync();
            Assert.Contains($"contact:{result.ContactId}", actors);
            Assert.DoesNotContain("contact:0", actors);
        });
    }
}
