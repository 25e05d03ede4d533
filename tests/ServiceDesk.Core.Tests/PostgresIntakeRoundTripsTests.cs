using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using static ServiceDesk.Core.Tests.IntakeTests;

namespace ServiceDesk.Core.Tests;

/// <summary>
/// The statements a message costs on PostgreSQL, each a round trip to the server (and its CPU): counted from Npgsql's own
/// trace of the commands it sends, for this test's database only (the commit, sent by the transaction, is not among them).
/// </summary>
public class PostgresIntakeRoundTripsTests
{
    [Fact]
    public async Task A_first_contacts_new_ticket_takes_its_keys_first_and_is_one_save()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        await ReceiveAsync(desk, Sms("SM0", "+34600000000", "Calentando"));
        using var commands = new CommandLog(await DatabaseNameAsync(desk));

        var result = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "Mi portátil no enciende"));

        Assert.Equal(IntakeOutcome.CreatedTicket, result.Outcome);
        // The conversation, the contact with the service and the new rows' keys (the messages' among them), then one save in one
        // batch: the acknowledgement's outbox row names a key drawn before it, not one its message's insert returns.
        Assert.True(commands.Count <= 3, $"{commands.Count} commands: {commands}");
        Assert.Contains("nextval", commands.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("SELECT nextval", commands.Text, StringComparison.Ordinal);
        // The sequences were named once for this database, by the first message: not resolved again in each statement.
        Assert.DoesNotContain("pg_get_serial_sequence", commands.Text, StringComparison.Ordinal);
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var ticket = await db.Tickets.Include(t => t.Events).Include(t => t.Messages).SingleAsync(t => t.Id == result.TicketId);
            Assert.Equal(result.ContactId, ticket.RequesterId);
            Assert.All(ticket.Events, e => Assert.Equal($"contact:{result.ContactId}", e.Actor));
            Assert.All(ticket.Messages, m => Assert.Equal(result.ConversationId, m.ConversationId));
            Assert.Equal(result.TicketId, (await db.Conversations.SingleAsync(c => c.Id == result.ConversationId)).CurrentTicketId);

            // The message before the acknowledgement that answers it, as their inserts would have numbered them; the outbox row sends it.
            var inbound = Assert.Single(ticket.Messages, m => m.Direction == Messages.MessageDirection.Inbound);
            var acknowledgement = Assert.Single(ticket.Messages, m => m.Kind == Messages.MessageKind.Acknowledgement);
            Assert.Equal(result.MessageId, inbound.Id);
            Assert.True(acknowledgement.Id > inbound.Id, $"acknowledgement {acknowledgement.Id} after the message {inbound.Id}");
            Assert.Equal(acknowledgement.Id, (await db.Outbox.SingleAsync(o => o.Message.TicketId == result.TicketId)).MessageId);
        });
    }

    [Fact]
    public async Task A_returning_senders_new_ticket_is_one_save_in_one_batch()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "VPN caída"));
        using var commands = new CommandLog(await DatabaseNameAsync(desk));

        var second = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "Otra cosa: la impresora") with { StartsNewTicket = true });

        Assert.Equal(IntakeOutcome.CreatedTicket, second.Outcome);
        Assert.NotEqual(first.TicketId, second.TicketId);
        // The conversation with its contact, the service, the keys (the ticket's and its messages'), then the save in one batch.
        Assert.True(commands.Count <= 4, $"{commands.Count} commands: {commands}");
        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var messages = await db.Messages.Where(m => m.TicketId == second.TicketId).OrderBy(m => m.Id).ToListAsync();
            Assert.Equal([second.MessageId, 0], messages.Select(m => m.Direction == Messages.MessageDirection.Inbound ? m.Id : 0));
            Assert.Equal(messages[1].Id, (await db.Outbox.SingleAsync(o => o.Message.TicketId == second.TicketId)).MessageId);
            Assert.Equal(second.TicketId, (await db.Conversations.SingleAsync(c => c.Id == first.ConversationId)).CurrentTicketId);
        });
    }

    [Fact]
    public async Task An_append_finds_the_ticket_with_the_conversation_and_is_one_save()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.PostgreSql);
        var first = await ReceiveAsync(desk, Sms("SM1", "+34600111222", "VPN caída"));
        using var commands = new CommandLog(await DatabaseNameAsync(desk));

        var second = await ReceiveAsync(desk, Sms("SM2", "+34600111222", "Sigue sin funcionar"));

        Assert.Equal((IntakeOutcome.AppendedToTicket, first.TicketId), (second.Outcome, second.TicketId));
        // The conversation with its contact and current ticket, then the save (the message, the ticket, the conversation).
        Assert.True(commands.Count <= 2, $"{commands.Count} commands: {commands}");
        // The ticket is joined on its key, not picked from all tickets numbered (a subquery's ROW_NUMBER over the whole table).
        Assert.DoesNotContain("ROW_NUMBER", commands.Text, StringComparison.Ordinal);
        var messages = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages
            .Where(m => m.Direction == Messages.MessageDirection.Inbound).OrderBy(m => m.Id).Select(m => new { m.TicketId, m.ConversationId, m.AuthorContactId }).ToListAsync());
        Assert.All(messages, m => Assert.Equal((first.TicketId, first.ConversationId, first.ContactId), (m.TicketId ?? 0, m.ConversationId, m.AuthorContactId ?? 0)));
        Assert.Equal(2, messages.Count);
    }

    private static Task<string> DatabaseNameAsync(TestDesk desk) =>
        desk.InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<ServiceDeskDbContext>().Database.GetDbConnection().Database));

    /// <summary>The commands Npgsql sends to one database while it is alive.</summary>
    private sealed class CommandLog : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly List<string> _commands = [];

        public CommandLog(string database)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("db.namespace") as string == database && activity.GetTagItem("db.query.text") is string text)
                    {
                        lock (_commands)
                        {
                            _commands.Add(text);
                        }
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count
        {
            get
            {
                lock (_commands)
                {
                    return _commands.Count;
                }
            }
        }

        public string Text
        {
            get
            {
                lock (_commands)
                {
                    return string.Join(Environment.NewLine, _commands);
                }
            }
        }

        public override string ToString()
        {
            lock (_commands)
            {
                return string.Join(Environment.NewLine, _commands.Select(c => c.Split('\n')[0]));
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
