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

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_conversations_messages_are_numbered_in_the_order_their_transactions_came(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        // A first contact's new ticket, an append, then a returning sender's new ticket in the same conversation: what a
        // transcript filed from a message's id on (ConversationTicket.FileMessagesFrom) relies on.
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "La VPN no conecta"));
        var append = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "Desde casa"));
        var followUp = await ReceiveAsync(desk, Sms("SM3", "+34600111222", "Otra cosa") with { StartsNewTicket = true });

        Assert.Equal(
            (IntakeOutcome.CreatedTicket, IntakeOutcome.AppendedToTicket, IntakeOutcome.CreatedTicket),
            (first.Outcome, append.Outcome, followUp.Outcome));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var messages = await db.Messages.Where(m => m.ConversationId == first.ConversationId).OrderBy(m => m.Id)
                .Select(m => new { m.Id, m.ExternalId, m.Kind, m.TicketId }).ToListAsync();

            // Each transaction's messages (a new ticket's: the message and its acknowledgement) after the previous one's.
            Assert.Equal(5, messages.Count);
            Assert.Equal(["SM1", "ack"], messages[..2].Select(m => m.ExternalId ?? "ack").Order(StringComparer.Ordinal));
            Assert.Equal("SM2", messages[2].ExternalId);
            Assert.Equal(["SM3", "ack"], messages[3..].Select(m => m.ExternalId ?? "ack").Order(StringComparer.Ordinal));
            Assert.Equal([first.TicketId, first.TicketId, first.TicketId, followUp.TicketId, followUp.TicketId], messages.Select(m => m.TicketId ?? 0));
            Assert.All(messages.Where(m => m.ExternalId is null), m => Assert.Equal(Messages.MessageKind.Acknowledgement, m.Kind));
            Assert.Equal([first.MessageId, append.MessageId, followUp.MessageId], messages.Where(m => m.ExternalId is not null).Select(m => m.Id));

            // Each acknowledgement's outbox row sends it.
            var sent = await db.Outbox.OrderBy(o => o.MessageId).Select(o => o.MessageId).ToListAsync();
            Assert.Equal(messages.Where(m => m.ExternalId is null).Select(m => m.Id), sent);
        });
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_first_contact_on_a_known_thread_takes_no_ticket_number(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Email("<root@example.com>", "pedro@example.com", "Outlook no sincroniza"));

        // A colleague copied on the thread writes for the first time: the message goes on the thread's ticket, and the
        // keys the new contact's rows take first (on PostgreSQL drawn with the lookup of the sender) leave the numbers alone.
        var colleague = await ReceiveAsync(desk, Email("<cc@example.com>", "eva@example.com", "A mí también") with { ThreadKeys = ["<root@example.com>"] });
        var next = await ReceiveAsync(desk, Email("<next@example.com>", "luis@example.com", "La impresora no imprime"));

        Assert.Equal((IntakeOutcome.AppendedToTicket, first.TicketId), (colleague.Outcome, colleague.TicketId));
        Assert.NotEqual(first.ContactId, colleague.ContactId);
        Assert.Equal((IntakeOutcome.CreatedTicket, first.TicketId + 1), (next.Outcome, next.TicketId));
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var message = await db.Messages.SingleAsync(m => m.Id == colleague.MessageId);
            Assert.Equal((first.TicketId, colleague.ContactId), (message.TicketId ?? 0, message.AuthorContactId ?? 0));
            Assert.Equal(colleague.ContactId, (await db.ContactIdentities.SingleAsync(i => i.Address == "eva@example.com")).ContactId);
        });
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(IntakeTests))]
    public async Task A_first_contact_whose_service_code_is_unknown_still_opens_one_ticket(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        // No service has the code: the sender's lookup brings none (nor keys), and the ticket falls back to the default service.
        var result = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "VPN caída") with { ServiceCode = "no-such-service" });
        var next = await ReceiveAsync(desk, Sms("SM2", "+34600333444", "Sin correo"));

        Assert.Equal((IntakeOutcome.CreatedTicket, IntakeOutcome.CreatedTicket), (result.Outcome, next.Outcome));
        Assert.Equal(result.TicketId + 1, next.TicketId);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.Include(t => t.Service).Include(t => t.Messages).SingleAsync(t => t.Id == result.TicketId);
            Assert.Equal(IntakeService.DefaultServiceCode, ticket.Service!.Code);
            Assert.Equal(result.ContactId, ticket.RequesterId);
            Assert.Equal(2, ticket.Messages.Count);
        });
    }
}
