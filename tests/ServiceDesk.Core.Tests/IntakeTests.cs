using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>Intake against the real databases: the embedded SQLite and a PostgreSQL server.</summary>
public class IntakeTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_first_message_opens_a_ticket_with_contact_conversation_and_acknowledgement(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        var result = await ReceiveAsync(desk, Sms("SM1", "+34 600 111 222", "Mi portátil no enciende"));

        Assert.Equal(IntakeOutcome.CreatedTicket, result.Outcome);
        Assert.Equal($"SD-{result.TicketId}", result.TicketNumber);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.Include(t => t.Requester).ThenInclude(c => c.Identities).Include(t => t.Service).SingleAsync();
            Assert.Equal("Mi portátil no enciende", ticket.Title);
            Assert.Equal(TicketStatus.New, ticket.Status);
            Assert.Equal(Channel.Sms, ticket.OriginChannel);
            Assert.Equal("general", ticket.Service!.Code);
            Assert.Equal("+34600111222", Assert.Single(ticket.Requester.Identities).Address);
            Assert.Equal("es", ticket.Requester.Language);

            var conversation = await db.Conversations.SingleAsync();
            Assert.Equal(ticket.Id, conversation.CurrentTicketId);
            Assert.Equal(Conversations.ConversationMode.Bot, conversation.Mode);

            var ack = await db.Outbox.Include(o => o.Message).SingleAsync();
            Assert.Equal(MessageKind.Acknowledgement, ack.Message.Kind);
            Assert.Equal("+34600111222", ack.Message.Recipient);
            Assert.Contains(result.TicketNumber, ack.Message.Body);
            Assert.StartsWith("Hola", ack.Message.Body);
        });
        Assert.Equal(desk.Scheduler.Scheduled.Select(s => s.OutboxId), await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Outbox.Select(o => o.Id).ToListAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Later_messages_in_the_conversation_append_to_its_ticket(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "VPN caída"));

        var second = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "Sigue sin funcionar"));

        Assert.Equal(IntakeOutcome.AppendedToTicket, second.Outcome);
        Assert.Equal(first.TicketId, second.TicketId);
        Assert.Equal(2, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.Direction == MessageDirection.Inbound)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_redelivery_creates_nothing(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "hola"));

        var again = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "hola"));

        Assert.Equal(IntakeOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(first.TicketId, again.TicketId);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound));
            Assert.Equal(1, await db.Tickets.CountAsync());
            Assert.Equal(1, await db.Outbox.CountAsync());
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Fifty_concurrent_deliveries_of_one_message_store_it_once(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var message = Email("<same@example.com>", "pedro@example.com", "Impresora atascada");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => ReceiveAsync(desk, message))));

        Assert.Single(results, r => r.Outcome == IntakeOutcome.CreatedTicket);
        Assert.Equal(49, results.Count(r => r.Outcome == IntakeOutcome.Duplicate));
        Assert.Single(results.Select(r => r.TicketId).Distinct());
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound));
            Assert.Equal(1, await db.Tickets.CountAsync());
            Assert.Equal(1, await db.Contacts.CountAsync());
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_thousand_concurrent_messages_get_a_thousand_distinct_tickets(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        // Fifty senders, twenty new conversations each: contacts are created concurrently too.
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(() =>
            ReceiveAsync(desk, Email($"<m{i}@example.com>", $"user{i % 50}@example.com", $"Problem {i}") with { StartsNewTicket = true }))));

        Assert.All(results, r => Assert.Equal(IntakeOutcome.CreatedTicket, r.Outcome));
        Assert.Equal(1000, results.Select(r => r.TicketNumber).Distinct().Count());
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(1000, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound));
            Assert.Equal(1000, await db.Tickets.Select(t => t.Id).Distinct().CountAsync());
            Assert.Equal(50, await db.Contacts.CountAsync());
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Thread_keys_and_ticket_references_find_the_ticket(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Email("<root@example.com>", "pedro@example.com", "Outlook no sincroniza"));

        var reply = await ReceiveAsync(desk, Email("<reply@example.com>", "pedro@example.com", "Más datos") with { ThreadKeys = ["<root@example.com>"] });
        var byNumber = await ReceiveAsync(desk, Email("<ref@example.com>", "pedro@example.com", "otra cosa") with { Subject = $"Re: [{first.TicketNumber}] Outlook" });
        var someoneElse = await ReceiveAsync(desk, Email("<other@example.com>", "eva@example.com", "yo también") with { Subject = $"[{first.TicketNumber}]" });

        Assert.Equal(first.TicketId, reply.TicketId);
        Assert.Equal(first.TicketId, byNumber.TicketId);

        // Quoting another person's ticket number does not put a message on it.
        Assert.Equal(IntakeOutcome.CreatedTicket, someoneElse.Outcome);
        Assert.NotEqual(first.TicketId, someoneElse.TicketId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_reply_after_resolution_reopens_within_the_window_and_opens_a_linked_ticket_after(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "Sin correo"));
        await Resolve(desk, first.TicketId);

        desk.Time.Advance(TimeSpan.FromDays(2));
        var reopened = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "Vuelve a fallar"));
        Assert.Equal(IntakeOutcome.ReopenedTicket, reopened.Outcome);
        Assert.Equal(first.TicketId, reopened.TicketId);

        await Resolve(desk, first.TicketId);
        desk.Time.Advance(TimeSpan.FromDays(8));
        var followUp = await ReceiveAsync(desk, Sms("SM3", "+34600111222", "Otra vez"));

        Assert.Equal(IntakeOutcome.CreatedFollowUpTicket, followUp.Outcome);
        Assert.NotEqual(first.TicketId, followUp.TicketId);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.SingleAsync(t => t.Id == followUp.TicketId);
            Assert.Equal(first.TicketId, ticket.RelatedTicketId);
            Assert.Equal(TicketStatus.Resolved, (await db.Tickets.SingleAsync(t => t.Id == first.TicketId)).Status);
            Assert.True(await db.TicketEvents.AnyAsync(e => e.TicketId == first.TicketId && e.Kind == TicketEventKind.LinkedTicketCreated));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Over_long_names_and_subjects_are_cut_to_fit_and_an_empty_text_gets_a_title_in_the_senders_language(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var name = new string('N', 300);
        var subject = "Printer " + new string('x', 700);

        var mail = await ReceiveAsync(desk, Email("<long@example.com>", "long@example.com", "details") with { SenderName = name, Subject = subject });
        var empty = await ReceiveAsync(desk, Sms("SM-empty", "+34600111222", "   ") with { Locale = "es-ES" });
        var emptyEn = await ReceiveAsync(desk, Sms("SM-empty-en", "+44700111222", "") with { Locale = "en-GB" });

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var contact = await db.Contacts.SingleAsync(c => c.Id == mail.ContactId);
            Assert.Equal(200, contact.DisplayName.Length);
            Assert.EndsWith("N…", contact.DisplayName, StringComparison.Ordinal);
            var message = await db.Messages.SingleAsync(m => m.Id == mail.MessageId);
            Assert.Equal(500, message.Subject!.Length);
            Assert.StartsWith("Printer xxx", message.Subject, StringComparison.Ordinal);
            Assert.Equal(200, message.Author.Length);
            Assert.Equal(200, (await db.Tickets.SingleAsync(t => t.Id == mail.TicketId)).Title.Length);
            Assert.Equal("(sin texto)", (await db.Tickets.SingleAsync(t => t.Id == empty.TicketId)).Title);
            Assert.Equal("(no text)", (await db.Tickets.SingleAsync(t => t.Id == emptyEn.TicketId)).Title);
        });
    }

    private static async Task Resolve(TestDesk desk, long ticketId) =>
        await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(ticketId, new TicketChanges(Status: TicketStatus.Resolved), "agent:eva", CancellationToken.None));

    internal static Task<IntakeResult> ReceiveAsync(TestDesk desk, InboundMessage message) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<IntakeService>().ReceiveAsync(message, CancellationToken.None));

    internal static InboundMessage Sms(string sid, string from, string text) => new()
    {
        Channel = Channel.Sms,
        ExternalId = sid,
        SenderAddress = from,
        ConversationKey = $"{from.Replace(" ", "", StringComparison.Ordinal)}|+34900000000",
        Text = text,
    };

    internal static InboundMessage Email(string messageId, string from, string text) => new()
    {
        Channel = Channel.Email,
        ExternalId = messageId,
        SenderAddress = from,
        Subject = text,
        Text = text,
        Locale = "es",
    };
}
