using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>What the intake offers the bot: messages on no ticket, a ticket opened from a conversation, no duplicate notices.</summary>
public class ConversationIntakeTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_recorded_message_stays_in_its_conversation_on_no_ticket_and_is_deduplicated(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);

        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "estado") with { RecordOnly = true });
        var again = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "estado") with { RecordOnly = true });

        Assert.Equal(IntakeOutcome.Recorded, first.Outcome);
        Assert.Equal(0, first.TicketId);
        Assert.Equal("", first.TicketNumber);
        Assert.NotNull(first.ConversationId);
        Assert.Equal(IntakeOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal("", again.TicketNumber);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var message = await db.Messages.SingleAsync();
            Assert.Null(message.TicketId);
            Assert.Equal(first.ConversationId, message.ConversationId);
            Assert.Equal(first.ContactId, message.AuthorContactId);
            Assert.Equal(0, await db.Tickets.CountAsync());
            Assert.Equal(0, await db.Outbox.CountAsync());
            Assert.Null((await db.Conversations.SingleAsync()).CurrentTicketId);
        });
    }

    [Fact]
    public async Task Recording_needs_a_conversation()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        await Assert.ThrowsAsync<ArgumentException>(() => ReceiveAsync(desk, Email("<a@example.com>", "ana@example.com", "x") with { RecordOnly = true }));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_ticket_opened_from_a_conversation_takes_its_unfiled_messages_from_the_first_one_on(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var older = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "ayuda") with { RecordOnly = true });
        var start = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "reportar") with { RecordOnly = true });
        var answer = await ReceiveAsync(desk, Sms("SM3", "+34600111222", "La VPN no conecta") with { RecordOnly = true });
        var elsewhere = await ReceiveAsync(desk, Sms("SM4", "+34600999888", "otra persona") with { RecordOnly = true });

        var ticket = await desk.InScopeAsync(sp => sp.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                var db = sp.GetRequiredService<ServiceDeskDbContext>();
                var conversation = await db.Conversations.Include(c => c.Contact).SingleAsync(c => c.Id == start.ConversationId, ct);
                return await sp.GetRequiredService<IntakeService>().OpenForConversationAsync(
                    conversation,
                    conversation.Contact,
                    new ConversationTicket("La VPN no conecta\nDesde esta mañana", Impact.High, Urgency.High, "vpn", start.MessageId),
                    ct);
            },
            CancellationToken.None));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var stored = await db.Tickets.Include(t => t.Service).SingleAsync();
            Assert.Equal(ticket.Id, stored.Id);
            Assert.Equal("La VPN no conecta", stored.Title);
            Assert.Equal(Priority.P1, stored.Priority);
            Assert.Equal("vpn", stored.Service!.Code);
            Assert.Equal(Channel.Sms, stored.OriginChannel);
            Assert.Equal([start.MessageId, answer.MessageId], await db.Messages.Where(m => m.TicketId == ticket.Id).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync());
            Assert.Null((await db.Messages.SingleAsync(m => m.Id == older.MessageId)).TicketId);
            Assert.Null((await db.Messages.SingleAsync(m => m.Id == elsewhere.MessageId)).TicketId);
            Assert.Equal(ticket.Id, (await db.Conversations.SingleAsync(c => c.Id == start.ConversationId)).CurrentTicketId);

            // The bot answers in the conversation itself: no acknowledgement is queued.
            Assert.Equal(0, await db.Outbox.CountAsync());
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_channel_that_answers_inline_gets_no_reopen_notice_and_others_still_do(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var inline = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "Sin correo") with { Acknowledge = false });
        var notified = await ReceiveAsync(desk, Sms("SM2", "+34600333444", "Sin wifi"));
        foreach (var id in new[] { inline.TicketId, notified.TicketId })
        {
            await desk.InScopeAsync(sp => sp.GetRequiredService<TicketService>().UpdateAsync(id, new TicketChanges(Status: TicketStatus.Resolved), "agent:eva", CancellationToken.None));
        }

        var reopenedInline = await ReceiveAsync(desk, Sms("SM3", "+34600111222", "Vuelve a fallar") with { Acknowledge = false });
        var reopenedNotified = await ReceiveAsync(desk, Sms("SM4", "+34600333444", "Vuelve a fallar"));

        Assert.Equal(IntakeOutcome.ReopenedTicket, reopenedInline.Outcome);
        Assert.Equal(IntakeOutcome.ReopenedTicket, reopenedNotified.Outcome);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var notices = await db.Outbox.Include(o => o.Message).Select(o => new { o.Message.TicketId, o.Message.Kind, o.Message.Body }).ToListAsync();
            Assert.DoesNotContain(notices, n => n.TicketId == inline.TicketId && n.Body.Contains("reabierto", StringComparison.Ordinal));
            Assert.Contains(notices, n => n.TicketId == notified.TicketId && n.Body.Contains("reabierto", StringComparison.Ordinal));
        });
    }
}
