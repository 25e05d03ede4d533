using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// The intake's rows on SQLite are saved without SaveChanges (<see cref="SqliteRowWriter"/>): what it stores must be what
/// SaveChanges stores, column by column, and a lost race must fail the same way.
/// </summary>
public class SqliteRowWriterTests
{
    [Fact]
    public async Task Stores_every_column_as_SaveChanges_does()
    {
        await using var written = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        await using var saved = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        foreach (var desk in new[] { written, saved })
        {
            await SeedAsync(desk);
        }

        // Both kinds of row a message writes: new rows (keys taken first, and keys SQLite gives, which the rows naming
        // them take), and changed columns of stored rows with concurrency tokens.
        var wroteItself = await ChangeAsync(written, db => SqliteRowWriter.SaveChangesAsync(db, CancellationToken.None));
        await ChangeAsync(saved, async db =>
        {
            await db.SaveChangesAsync();
            return false;
        });

        Assert.True(wroteItself, "the writer left the save to SaveChanges");
        var expected = await DumpAsync(saved);
        var actual = await DumpAsync(written);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count > 0 || table is not ("Tickets" or "Messages" or "Outbox" or "Conversations"), $"no {table} rows to compare");
            Assert.Equal(rows, actual[table]);
        }
    }

    [Fact]
    public async Task A_row_changed_since_it_was_read_fails_as_a_lost_race()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var ticketId = await SeedAsync(desk);

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => desk.InScopeAsync(sp =>
            sp.GetRequiredService<WriteTransaction>().RunAsync(
                async ct =>
                {
                    var db = sp.GetRequiredService<ServiceDeskDbContext>();
                    var ticket = await db.Tickets.SingleAsync(t => t.Id == ticketId, ct);
                    await db.Tickets.Where(t => t.Id == ticketId).ExecuteUpdateAsync(u => u.SetProperty(t => t.Version, t => t.Version + 1), ct);
                    ticket.ChangeStatus(TicketStatus.Pending, "agent:ana", sp.GetRequiredService<SlaClock>(), desk.Time.GetUtcNow());
                    return await SqliteRowWriter.SaveChangesAsync(db, ct);
                },
                CancellationToken.None)));
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

    private static Task<bool> ChangeAsync(TestDesk desk, Func<ServiceDeskDbContext, Task<bool>> save) => desk.InScopeAsync(sp =>
        sp.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                var db = sp.GetRequiredService<ServiceDeskDbContext>();
                var sla = sp.GetRequiredService<SlaClock>();
                desk.Time.Advance(TimeSpan.FromMinutes(3));
                var now = desk.Time.GetUtcNow();

                var conversation = await db.Conversations.Include(c => c.Contact).SingleAsync(ct);
                var stored = await db.Tickets.SingleAsync(ct);
                stored.ChangeStatus(TicketStatus.Pending, "agent:ana", sla, now);
                stored.Messages.Add(new Message
                {
                    Channel = Channel.Sms,
                    Direction = MessageDirection.Inbound,
                    Kind = MessageKind.UserMessage,
                    ExternalId = "SM-2",
                    Body = "Still jams",
                    Author = "Ana",
                    AuthorContactId = conversation.ContactId,
                    ConversationId = conversation.Id,
                    Attachments = [new AttachmentInfo("jam.jpg", "image/jpeg", 2048, "https://example.com/jam.jpg")],
                    DeliveryState = DeliveryState.NotApplicable,
                    CreatedAt = now,
                });

                // A new sender's rows, keys taken first where the intake takes them.
                var contact = new Contact
                {
                    Id = await SqliteKeys.NextAsync<Contact>(db, ct) ?? 0,
                    DisplayName = "Luis \"el de redes\"",
                    Language = "en",
                    CreatedAt = now,
                    Identities = [new ContactIdentity { Channel = Channel.Sms, Address = "+34600000002" }],
                };
                db.Contacts.Add(contact);
                var ticket = Ticket.Create(TicketType.ServiceRequest, "VPN", "No VPN", contact, Channel.Sms, Impact.High, Urgency.Medium, null, $"contact:{contact.Id}", sla, now);
                ticket.Id = await SqliteKeys.NextAsync<Ticket>(db, ct) ?? 0;
                ticket.RelatedTicketId = stored.Id;
                db.Tickets.Add(ticket);
                var acknowledgement = new Message
                {
                    Channel = Channel.Sms,
                    Direction = MessageDirection.Outbound,
                    Kind = MessageKind.Acknowledgement,
                    Body = "SD-2 opened",
                    Author = "Desk",
                    Recipient = "+34600000002",
                    DeliveryState = DeliveryState.Queued,
                    CreatedAt = now,
                };
                ticket.Messages.Add(acknowledgement);
                db.Outbox.Add(new OutboxMessage { Message = acknowledgement, DeliveryKey = new Guid("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), CreatedAt = now, NextAttemptAt = now, Payload = "{}" });

                // A stored row's columns changed, one of them naming the new ticket by its key.
                conversation.LastActivityAt = now;
                conversation.ReplyHandle = "handle-2";
                conversation.CurrentTicketId = ticket.Id;
                return await save(db);
            },
            CancellationToken.None));

    /// <summary>Every row of every table, as SQLite stores it (text, integers, nulls), in key order.</summary>
    private static Task<Dictionary<string, List<string>>> DumpAsync(TestDesk desk) => desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var dump = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i =>
                    $"{reader.GetName(i)}={(reader.IsDBNull(i) ? "NULL" : $"{reader.GetFieldType(i).Name}:{reader.GetValue(i)}")}")));
            }

            dump[table] = rows;
        }

        return dump;
    });
}
