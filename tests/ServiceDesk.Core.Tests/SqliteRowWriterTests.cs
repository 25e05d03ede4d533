using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Outbox;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Core.Priorities;
using ServiceDesk.Core.Satisfaction;
using ServiceDesk.Core.Sla;
using ServiceDesk.Core.Tickets;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// The intake's rows on SQLite are saved without SaveChanges (<see cref="SqliteRowWriter"/>): what it stores must be what
/// SaveChanges stores, column by column, a lost race must fail the same way, and everything registered with EF (command
/// interceptors, the command log, SaveChanges interceptors and events) must see the save as it sees SaveChanges.
/// </summary>
public class SqliteRowWriterTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_command_interceptor_sees_every_row_a_message_writes_and_its_refusal_leaves_nothing_half_written(DatabaseProvider provider)
    {
        // The recorder goes first: the refusal throws before any interceptor after it sees the statement.
        var commands = new CommandRecorder();
        var failing = new FailingCommands(provider);
        await using var desk = await TestDesk.CreateAsync(provider, services =>
        {
            commands.AddTo(services);
            failing.AddTo(services);
        });
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));
        var before = await CountRowsAsync(desk);

        // An append: its message, and the ticket it changes, each through the interceptor.
        commands.Clear();
        var appended = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600111222", "Sigue sin conectar"));
        Assert.Equal(IntakeOutcome.AppendedToTicket, appended.Outcome);
        var seen = commands.Writes();
        Assert.Contains(seen, s => s.StartsWith("INSERT INTO \"Messages\"", StringComparison.Ordinal));
        Assert.Contains(seen, s => s.StartsWith("UPDATE \"Tickets\"", StringComparison.Ordinal));

        // A new sender's message whose insert the database refuses: its contact, ticket and acknowledgement go with it.
        before = await CountRowsAsync(desk);
        commands.Clear();
        failing.Fail("no arranca", times: 1);
        var refused = await Assert.ThrowsAnyAsync<DbUpdateException>(() =>
            IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM3", "+34600333444", "El portátil no arranca")));
        Assert.IsType(provider == DatabaseProvider.Sqlite ? typeof(SqliteException) : typeof(PostgresException), refused.InnerException);
        seen = commands.Writes();
        Assert.Contains(seen, s => s.StartsWith("INSERT INTO \"Tickets\"", StringComparison.Ordinal));
        Assert.Contains(seen, s => s.StartsWith("INSERT INTO \"Messages\"", StringComparison.Ordinal));
        Assert.Equal(before, await CountRowsAsync(desk));
        Assert.Equal(1, failing.FailuresOf("no arranca"));

        // Its redelivery, once the database takes it, is saved whole, once.
        var redelivered = await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM3", "+34600333444", "El portátil no arranca"));
        Assert.Equal(IntakeOutcome.CreatedTicket, redelivered.Outcome);
        var after = await CountRowsAsync(desk);
        Assert.Equal(before["Tickets"] + 1, after["Tickets"]);
        Assert.Equal(before["Contacts"] + 1, after["Contacts"]);
        Assert.Equal(1, await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.ExternalId == "SM3")));
    }

    // SQLite only: the writer runs there. On PostgreSQL the statements are SaveChanges' own; a PostgreSQL variant logged no
    // command at all in one full run of this project and passed on its own, which says nothing about the writer.
    [Fact]
    public async Task The_command_log_shows_every_statement_of_a_message_with_its_timing()
    {
        var log = new CommandLog();
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, services => services.AddLogging(b =>
            b.AddProvider(log).AddFilter<CommandLog>(DbLoggerCategory.Database.Command.Name, LogLevel.Information)));
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM1", "+34600111222", "La VPN no conecta"));

        log.Clear();
        await IntakeTests.ReceiveAsync(desk, IntakeTests.Sms("SM2", "+34600111222", "Sigue sin conectar"));
        var executed = log.Executed();
        Assert.Contains(executed, e => e.Contains("INSERT INTO \"Messages\"", StringComparison.Ordinal));
        Assert.Contains(executed, e => e.Contains("UPDATE \"Tickets\"", StringComparison.Ordinal));
        Assert.All(executed, e => Assert.StartsWith("Executed DbCommand (", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_context_with_SaveChanges_interceptors_or_event_handlers_is_saved_by_SaveChanges()
    {
        var saves = new CountingSaves();
        await using var intercepted = await TestDesk.CreateAsync(
            DatabaseProvider.Sqlite, services => services.AddDeskInterceptor(saves));
        await SeedAsync(intercepted);
        var before = saves.Count;
        Assert.False(await ChangeAsync(intercepted, db => SqliteRowWriter.SaveChangesAsync(db, CancellationToken.None)));
        Assert.Equal(before + 1, saves.Count);

        await using var handled = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        await SeedAsync(handled);
        var events = new List<string>();
        Assert.False(await ChangeAsync(handled, db =>
        {
            db.SavingChanges += (_, _) => events.Add("saving");
            db.SavedChanges += (_, e) => events.Add($"saved {e.EntitiesSavedCount}");
            return SqliteRowWriter.SaveChangesAsync(db, CancellationToken.None);
        }));
        Assert.Equal("saving", events[0]);
        Assert.StartsWith("saved ", events[1], StringComparison.Ordinal);
    }
    // Both kinds of row a message writes: new rows (keys taken first, and keys SQLite gives, which the rows naming them
    // take), and changed columns of stored rows with concurrency tokens.
    [Fact]
    public Task Stores_every_column_as_SaveChanges_does() =>
        AssertStoredAsBySaveChangesAsync(ChangeAsync, "Tickets", "Messages", "Outbox", "Conversations");

    /// <summary>
    /// The rows of the chat bot's turns, which it saves once at their end: a returning user's (the message and replies with
    /// the keys SQLite gives, the conversation's state under its version, a handoff, a rating) and a first contact's (contact,
    /// conversation, ticket and messages with keys taken first, the events with the keys SQLite gives).
    /// </summary>
    [Fact]
    public Task Stores_a_chat_turns_rows_as_SaveChanges_does() =>
        AssertStoredAsBySaveChangesAsync(TurnAsync, "Contacts", "Conversations", "Handoffs", "SatisfactionResponses", "TicketEvents");

    /// <summary>
    /// Two desks seeded alike take the same <paramref name="change"/>, saved by the writer on one and by SaveChanges on the
    /// other: they store the same rows, column by column, and each table named in <paramref name="filled"/> has some.
    /// </summary>
    private static async Task AssertStoredAsBySaveChangesAsync(
        Func<TestDesk, Func<ServiceDeskDbContext, Task<bool>>, Task<bool>> change, params string[] filled)
    {
        await using var written = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        await using var saved = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        foreach (var desk in new[] { written, saved })
        {
            await SeedAsync(desk);
        }

        var wroteItself = await change(written, db => SqliteRowWriter.SaveChangesAsync(db, CancellationToken.None));
        await change(saved, async db =>
        {
            await db.SaveChangesAsync();
            return false;
        });

        Assert.True(wroteItself, "the writer left the save to SaveChanges");
        var expected = await StoredRows.DumpAsync(saved);
        var actual = await StoredRows.DumpAsync(written);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count > 0 || !filled.Contains(table), $"no {table} rows to compare");
            Assert.Equal(rows, actual[table]);
        }
    }

    private static Task<bool> TurnAsync(TestDesk desk, Func<ServiceDeskDbContext, Task<bool>> save) => desk.InScopeAsync(sp =>
        sp.GetRequiredService<WriteTransaction>().RunAsync(
            async ct =>
            {
                var db = sp.GetRequiredService<ServiceDeskDbContext>();
                var sla = sp.GetRequiredService<SlaClock>();
                desk.Time.Advance(TimeSpan.FromMinutes(3));
                var now = desk.Time.GetUtcNow();

                // A returning user's turn: the message (filed on the ticket), two replies, a handoff and a rating.
                var conversation = await db.Conversations.Include(c => c.Contact).ThenInclude(c => c.Identities).SingleAsync(ct);
                var stored = await db.Tickets.SingleAsync(ct);
                stored.Record(TicketEventKind.AgentRequested, $"contact:{conversation.ContactId}", now, "Sms");
                stored.Messages.Add(Turned(conversation, "Still jams", "SM-2", now));
                db.Messages.AddRange(Reply(conversation, stored.Id, "One moment", now), Reply(conversation, stored.Id, "An agent will answer", now));
                db.Handoffs.Add(new Handoff { ConversationId = conversation.Id, TicketId = stored.Id, Channel = Channel.Sms, Requested = true, RequestedAt = now });
                db.SatisfactionResponses.Add(new SatisfactionResponse { TicketId = stored.Id, Rating = 2, Comment = "slow", Channel = Channel.Sms, RespondedAt = now });
                conversation.Mode = ConversationMode.WaitingForAgent;
                conversation.WaitingSince = now;
                conversation.DialogState = "{\"v\":1,\"step\":\"None\"}";
                conversation.LastActivityAt = now;
                conversation.Version += 2;

                // A first contact's turn: keys taken first, as the intake and the bot take them on SQLite.
                var contact = new Contact
                {
                    Id = await SqliteKeys.NextAsync<Contact>(db, ct) ?? 0,
                    DisplayName = "Luis",
                    Language = "es",
                    CreatedAt = now,
                    Identities = [new ContactIdentity { Channel = Channel.Sms, Address = "+34600000002" }],
                };
                db.Contacts.Add(contact);
                var opened = new Conversation
                {
                    Id = await SqliteKeys.NextAsync<Conversation>(db, ct) ?? 0,
                    Channel = Channel.Sms,
                    ExternalKey = "+34600000002|+34900000000",
                    ContactId = contact.Id,
                    CreatedAt = now,
                    LastActivityAt = now,
                };
                db.Conversations.Add(opened);
                var ticket = Ticket.Create(TicketType.Incident, "Laptop", "It will not start", contact, Channel.Sms, Impact.Medium, Urgency.Medium, null, $"contact:{contact.Id}", sla, now);
                ticket.Id = await SqliteKeys.NextAsync<Ticket>(db, ct) ?? 0;
                db.Tickets.Add(ticket);
                var inbound = Turned(opened, "It will not start", "SM-3", now);
                inbound.AuthorContactId = contact.Id;
                ticket.Messages.Add(inbound);
                var reply = Reply(opened, ticket.Id, "SD-2 opened", now);
                db.Messages.Add(reply);
                Assert.True(await MessageKeys.AssignAsync(db, [inbound, reply], ct));
                opened.CurrentTicketId = ticket.Id;
                opened.DialogState = $"{{\"v\":1,\"firstMessageId\":{inbound.Id}}}";
                opened.Version++;
                return await save(db);
            },
            CancellationToken.None));

    private static Message Turned(Conversation conversation, string text, string externalId, DateTimeOffset now) => new()
    {
        Channel = Channel.Sms,
        Direction = MessageDirection.Inbound,
        Kind = MessageKind.UserMessage,
        ExternalId = externalId,
        Body = text,
        Author = "Ana",
        AuthorContactId = conversation.ContactId,
        ConversationId = conversation.Id,
        DeliveryState = DeliveryState.NotApplicable,
        CreatedAt = now,
    };

    private static Message Reply(Conversation conversation, long ticketId, string text, DateTimeOffset now) => new()
    {
        Channel = Channel.Sms,
        Direction = MessageDirection.Outbound,
        Kind = MessageKind.BotReply,
        Body = text,
        Author = "Desk",
        Recipient = "+34600000001",
        ConversationId = conversation.Id,
        TicketId = ticketId,
        DeliveryState = DeliveryState.Sent,
        CreatedAt = now,
    };

    /// <summary>
    /// A stored row another writer changed after the message's transaction read it: the provider's writer finds no row as
    /// read, the save fails as SaveChanges fails on a lost race, and the transaction, run again until it gives up, leaves
    /// nothing written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_row_changed_since_it_was_read_fails_as_a_lost_race_and_writes_nothing(DatabaseProvider provider)
    {
        await using var desk = await TestDesk.CreateAsync(provider);
        var ticketId = await SeedAsync(desk);
        var before = await TicketAndEventsAsync(desk, ticketId);

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => desk.InScopeAsync(sp =>
        {
            var transaction = sp.GetRequiredService<WriteTransaction>();
            return transaction.RunAsync(
                async ct =>
                {
                    var db = sp.GetRequiredService<ServiceDeskDbContext>();
                    var ticket = await db.Tickets.SingleAsync(t => t.Id == ticketId, ct);
                    await db.Tickets.Where(t => t.Id == ticketId).ExecuteUpdateAsync(u => u.SetProperty(t => t.Version, t => t.Version + 1), ct);
                    ticket.ChangeStatus(TicketStatus.Pending, "agent:ana", sp.GetRequiredService<SlaClock>(), desk.Time.GetUtcNow());
                    await transaction.SaveChangesAsync(ct);
                    return 0;
                },
                CancellationToken.None);
        }));

        // Every attempt lost and was rolled back: neither the status change, nor the event it recorded, nor the other
        // writer's change made within the attempt is stored.
        Assert.Equal(before, await TicketAndEventsAsync(desk, ticketId));
    }

    private static Task<(TicketStatus Status, int Version, int Events)> TicketAndEventsAsync(TestDesk desk, long ticketId) => desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        var ticket = await db.Tickets.AsNoTracking().SingleAsync(t => t.Id == ticketId);
        return (ticket.Status, ticket.Version, await db.TicketEvents.CountAsync(e => e.TicketId == ticketId));
    });

    private static Task<Dictionary<string, int>> CountRowsAsync(TestDesk desk) => desk.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<ServiceDeskDbContext>();
        return new Dictionary<string, int>
        {
            ["Contacts"] = await db.Contacts.CountAsync(),
            ["Conversations"] = await db.Conversations.CountAsync(),
            ["Tickets"] = await db.Tickets.CountAsync(),
            ["Messages"] = await db.Messages.CountAsync(),
            ["Outbox"] = await db.Outbox.CountAsync(),
        };
    });

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

    /// <summary>The executed-command entries of EF's Database.Command log.</summary>
    internal sealed class CommandLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _executed = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName == DbLoggerCategory.Database.Command.Name ? _executed : null);

        public void Clear() => _executed.Clear();

        public List<string> Executed() => [.. _executed];

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string>? executed) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => executed is not null;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Id == RelationalEventId.CommandExecuted.Id)
                {
                    executed?.Enqueue(formatter(state, exception));
                }
            }
        }
    }

    internal sealed class CountingSaves : SaveChangesInterceptor
    {
        private int _count;

        public int Count => _count;

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _count);
            return base.SavedChangesAsync(eventData, result, cancellationToken);
        }
    }
}
