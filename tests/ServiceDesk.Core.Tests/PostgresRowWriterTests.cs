using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// The intake's rows on PostgreSQL are saved, their keys drawn first, in one prepared batch instead of SaveChanges
/// (<see cref="PostgresRowWriter"/>): what it stores must be what SaveChanges stores, column by column, a lost race must fail
/// the same way, and EF's command log must see the batch. (Command interceptors refusing it, and a lost race:
/// <see cref="SqliteRowWriterTests"/>, on both providers.)
/// </summary>
public class PostgresRowWriterTests
{
    [Fact]
    public async Task Stores_every_column_as_SaveChanges_does()
    {
        await using var written = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        await using var saved = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        foreach (var desk in new[] { written, saved })
        {
            await SeedAsync(desk);
        }

        // New rows with keys drawn first, new rows whose keys the database gives (events, outbox), and changed columns of
        // stored rows with concurrency tokens; twice, so that a batch built once is run again with other values.
        foreach (var round in new[] { 1, 2 })
        {
            var wroteItself = await ChangeAsync(written, round, db => PostgresRowWriter.SaveChangesAsync(db, CancellationToken.None));
            await ChangeAsync(saved, round, async db =>
            {
                await db.SaveChangesAsync();
                return false;
            });
            Assert.True(wroteItself, "the writer left the save to SaveChanges");
        }

        var expected = await StoredRows.DumpAsync(saved);
        var actual = await StoredRows.DumpAsync(written);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count > 0 || table is not ("Tickets" or "Messages" or "Outbox" or "Conversations" or "TicketEvents"), $"no {table} rows to compare");
            Assert.Equal(rows, actual[table]);
        }
    }

    [Fact]
    public async Task A_messages_rows_go_to_the_database_as_one_command()
    {
        // Seen by a command interceptor, which every command meets: the command log may skip commands for a moment when
        // nothing else listens (EF caches its logging checks), and failed so in loaded runs.
        var commands = new CommandRecorder();
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql, services => services.AddDeskInterceptor(commands));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));

        commands.Clear();
        var appended = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600111222", "Sigue sin conectar"));
        Assert.Equal(IntakeOutcome.AppendedToTicket, appended.Outcome);

        // One command per attempt (a lost race runs the message's transaction again).
        var saves = commands.Commands().Where(t => t.Contains("INSERT INTO \"Messages\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(saves);
        Assert.All(saves, save => Assert.Contains("UPDATE \"Tickets\"", save, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_keys_drawn_before_the_save_go_through_the_command_interceptors()
    {
        // As the save's command does: EF's command pipeline runs them, so interceptors and the command log see them too.
        var commands = new CommandRecorder();
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql, services => services.AddDeskInterceptor(commands));

        // The desk's first message names the sequences; a returning sender's new ticket draws its keys in a statement of their own.
        var first = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));
        Assert.Contains(commands.Commands(), t => t.Contains("pg_get_serial_sequence", StringComparison.Ordinal));
        commands.Clear();
        var second = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600111222", "Otra cosa") with { StartsNewTicket = true });

        Assert.Equal(IntakeOutcome.CreatedTicket, second.Outcome);
        Assert.Contains(commands.Commands(), t => t.StartsWith("SELECT nextval(", StringComparison.Ordinal));
        Assert.Equal(first.TicketId + 1, second.TicketId);
    }

    [Fact]
    public async Task A_context_with_SaveChanges_interceptors_is_saved_by_SaveChanges()
    {
        var saves = new SqliteRowWriterTests.CountingSaves();
        await using var desk = await TestDesk.CreateAsync(
            DatabaseProvider.PostgreSql, services => services.ConfigureDbContext<PostgreSqlServiceDeskDbContext>(o => o.AddInterceptors(saves)));
        await SeedAsync(desk);
        var before = saves.Count;
        Assert.False(await ChangeAsync(desk, 1, db => PostgresRowWriter.SaveChangesAsync(db, CancellationToken.None)));
        Assert.Equal(before + 1, saves.Count);
    }

    private static async Task<long> SeedAsync(TestDesk desk) => await desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        var now = desk.Time.GetUtcNow();
        var contact = new Contact { DisplayName = "Ana", Language = "es", CreatedAt = now, Identities = [new ContactIdentity { Channel = Channel.Sms, Address = "+34600000001" }] };
        var ticket = Ticket.Create(TicketType.Incident, "Printer", "It jams", contact, Channel.Sms, Impact.Low, Urgency.Low, null, "contact:1", sp.GetRequiredService<SlaClock>(), now);
        db.Conversations.Add(new Conversation { Channel = Channel.Sms, ExternalKey = "+34600000001|+34900000000", Contact = contact, CreatedAt = now, LastActivityAt = now });
        db.Tickets.Add(ticket);
        await db.SaveChangesAsync();
        return ticket.Id;
    });

    /// <summary>A message's kind of rows, as the intake writes them on PostgreSQL: the new rows' keys drawn before the save.</summary>
    private static Task<bool> ChangeAsync(TestDesk desk, int round, Func<ServiceDeskDbContext, Task<bool>> save) => desk.InScopeAsync(sp =>
        sp.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                var db = sp.GetRequiredService<ServiceDeskDbContext>();
                var sla = sp.GetRequiredService<SlaClock>();
                desk.Time.Advance(TimeSpan.FromMinutes(3));
                var now = desk.Time.GetUtcNow();

                var conversation = await db.Conversations.Include(c => c.Contact).SingleAsync(ct);
                var stored = await db.Tickets.OrderBy(t => t.Id).FirstAsync(ct);
                stored.ChangeStatus(round == 1 ? TicketStatus.Pending : TicketStatus.Open, "agent:ana", sla, now);
                var message = new Message
                {
                    Channel = Channel.Sms,
                    Direction = MessageDirection.Inbound,
                    Kind = MessageKind.UserMessage,
                    ExternalId = $"SM-{round}",
                    Body = $"Still jams ({round})",
                    Author = "Ana",
                    AuthorContactId = conversation.ContactId,
                    ConversationId = conversation.Id,
                    Attachments = [new AttachmentInfo("jam.jpg", "image/jpeg", 2048, "https://example.com/jam.jpg")],
                    DeliveryState = DeliveryState.NotApplicable,
                    CreatedAt = now,
                };
                stored.Messages.Add(message);

                var contact = new Contact
                {
                    DisplayName = $"Luis \"el de redes\" {round}",
                    Language = "en",
                    CreatedAt = now,
                    Identities = [new ContactIdentity { Channel = Channel.Sms, Address = $"+3460000000{round + 1}" }],
                };
                db.Contacts.Add(contact);
                var ticket = Ticket.Create(TicketType.ServiceRequest, "VPN", "No VPN", contact, Channel.Sms, Impact.High, Urgency.Medium, null, "contact:0", sla, now);
                ticket.RelatedTicketId = stored.Id;
                db.Tickets.Add(ticket);
                var keys = await PostgresKeys.AssignAsync(db, messages: 2, ct);

                var acknowledgement = new Message
                {
                    Channel = Channel.Sms,
                    Direction = MessageDirection.Outbound,
                    Kind = MessageKind.Acknowledgement,
                    Body = $"SD-{ticket.Id} opened",
                    Author = "Desk",
                    Recipient = contact.Identities[0].Address,
                    DeliveryState = DeliveryState.Queued,
                    CreatedAt = now,
                };
                ticket.Messages.Add(acknowledgement);
                keys!.Give(db, message, acknowledgement);
                db.Outbox.Add(new OutboxMessage { Message = acknowledgement, DeliveryKey = new Guid($"6f9619ff-8b86-d011-b42d-00cf4fc964f{round}"), CreatedAt = now, NextAttemptAt = now, Payload = "{}" });

                conversation.LastActivityAt = now;
                conversation.ReplyHandle = $"handle-{round}";
                conversation.CurrentTicketId = ticket.Id;
                return await save(db);
            },
            CancellationToken.None));
}
