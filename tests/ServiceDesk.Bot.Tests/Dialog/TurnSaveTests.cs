using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Conversations;
using ServiceDesk.Core.Messages;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Bot.Tests.Dialog;

/// <summary>
/// A turn's one save (without SaveChanges when it can be: row by row on SQLite, in one prepared batch on PostgreSQL): the
/// rows stored are those SaveChanges stores, every statement goes through the command interceptors, a refused one takes the
/// whole turn back, and a turn that lost the race on the conversation's version runs again.
/// </summary>
public class TurnSaveTests
{
    public static TheoryData<DatabaseProvider> Providers => BotDesk.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_conversation_stores_the_rows_SaveChanges_stores(DatabaseProvider provider)
    {
        await using var written = await BotDesk.CreateAsync(provider);

        // A SaveChanges interceptor, even one that does nothing, leaves every save to SaveChanges.
        await using var saved = await BotDesk.CreateAsync(provider, configure: services => services.AddDeskInterceptor(new SaveChangesObserver()));

        foreach (var desk in new[] { written, saved })
        {
            // First contacts (one opens a ticket, one greets), answers to the report, an append, a report asked for, a handoff.
            var ana = ChatUser.Sms(desk);
            var luis = ChatUser.Sms(desk, phone: "+34600333444", name: "Luis Pérez");
            var peter = ChatUser.Teams(desk);
            var turns = new (ChatUser User, string Text)[]
            {
                (ana, "El portátil no arranca"), (luis, "hola"), (ana, "1"), (ana, "2"), (peter, "hello"),
                (ana, "Más detalles: la pantalla sigue negra"), (luis, "reportar"), (luis, "La impresora no imprime"),
                (ana, "estado"), (peter, "agent"), (peter, "Is anyone there?"), (luis, "ayuda"),
            };
            for (var i = 0; i < turns.Length; i++)
            {
                desk.Time.Advance(TimeSpan.FromSeconds(7));
                var result = await turns[i].User.SayAsync(turns[i].Text, externalId: $"turn-{i}");
                Assert.False(result.Duplicate);
            }
        }

        var expected = await StoredRows.DumpAsync(saved);
        var actual = await StoredRows.DumpAsync(written);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count > 0 || table is not ("Contacts" or "ContactIdentities" or "Conversations" or "Tickets" or "TicketEvents" or "Messages" or "Handoffs"), $"no {table} rows to compare");
            Assert.Equal(rows, actual[table]);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_refused_statement_takes_the_whole_turn_back_and_its_redelivery_is_taken_once(DatabaseProvider provider)
    {
        var commands = new CommandRecorder();
        var refusals = new FailingCommands(provider);
        await using var desk = await BotDesk.CreateAsync(provider, configure: services =>
        {
            commands.AddTo(services);
            refusals.AddTo(services);
        });
        var ana = ChatUser.Sms(desk);

        // A first contact whose reply the database refuses: no contact, conversation, ticket or message is left of it.
        refusals.Fail(nameof(MessageKind.BotReply), times: 1);
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => ana.SayAsync("El portátil no arranca", externalId: "SM-1"));
        Assert.Contains(commands.Writes(), s => s.StartsWith("INSERT INTO \"Conversations\"", StringComparison.Ordinal));
        Assert.Equal((0, 0, 0, 0), await CountAsync(desk));

        var opened = await ana.SayAsync("El portátil no arranca", externalId: "SM-1");
        Assert.False(opened.Duplicate);
        Assert.NotNull(opened.TicketNumber);
        var (contacts, conversations, tickets, messages) = await CountAsync(desk);
        Assert.Equal((1, 1, 1), (contacts, conversations, tickets));
        Assert.Equal(1 + opened.Replies.Count, messages);
        var before = await desk.ConversationAsync(ana);

        // A returning turn refused the same way: the conversation's state and version stay as they were.
        refusals.Fail(nameof(MessageKind.BotReply), times: 1);
        commands.Clear();
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => ana.SayAsync("estado", externalId: "SM-2"));
        Assert.Contains(commands.Writes(), s => s.StartsWith("UPDATE \"Conversations\"", StringComparison.Ordinal));
        var refused = await desk.ConversationAsync(ana);
        Assert.Equal((before.Version, before.DialogState), (refused.Version, refused.DialogState));
        Assert.Equal(messages, (await CountAsync(desk)).Messages);

        Assert.Equal(2, refusals.FailuresOf(nameof(MessageKind.BotReply)));
        var status = await ana.SayAsync("estado", externalId: "SM-2");
        Assert.False(status.Duplicate);
        Assert.True((await ana.SayAsync("estado", externalId: "SM-2")).Duplicate);
        Assert.Equal(before.Version + 1, (await desk.ConversationAsync(ana)).Version);
        Assert.Equal(messages + 1 + status.Replies.Count, (await CountAsync(desk)).Messages);
        Assert.Equal(1, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.ExternalId == "SM-2")));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_turn_that_finds_the_conversation_changed_at_its_save_runs_again(DatabaseProvider provider)
    {
        var commands = new CommandRecorder();
        var race = new ConversationRace();
        await using var desk = await BotDesk.CreateAsync(provider, configure: services =>
        {
            commands.AddTo(services);
            race.AddTo(services);
        });
        var ana = ChatUser.Sms(desk);
        await ana.SayAsync("El proyector de la sala de juntas parpadea");
        var before = await desk.ConversationAsync(ana);
        var messages = (await CountAsync(desk)).Messages;

        // Another writer moves the conversation on just before the turn's UPDATE (in the turn's own transaction: on SQLite
        // no other can write while it holds the write lock): the turn loses, its transaction rolls back, and it runs again.
        commands.Clear();
        race.BumpVersionOnce();
        var answered = await ana.SayAsync("1", externalId: "SM-raced");

        Assert.False(answered.Duplicate);
        Assert.Equal(2, commands.Writes().Count(s => s.StartsWith("UPDATE \"Conversations\"", StringComparison.Ordinal)));
        var after = await desk.ConversationAsync(ana);
        Assert.Equal(before.Version + 1, after.Version);
        Assert.NotEqual(before.DialogState, after.DialogState);
        Assert.Equal(1, await desk.QueryAsync(db => db.Messages.CountAsync(m => m.ExternalId == "SM-raced")));
        Assert.Equal(messages + 1 + answered.Replies.Count, (await CountAsync(desk)).Messages);
    }

    /// <summary>A SaveChanges interceptor that changes nothing.</summary>
    private sealed class SaveChangesObserver : SaveChangesInterceptor;

    private static Task<(int Contacts, int Conversations, int Tickets, int Messages)> CountAsync(TestDesk desk) => desk.QueryAsync(async db =>
        (await db.Contacts.CountAsync(), await db.Conversations.CountAsync(), await db.Tickets.CountAsync(), await db.Messages.CountAsync()));

    /// <summary>
    /// Once on demand, moves the conversation's version on just before the statement that updates it, in that statement's
    /// transaction: another writer that got there first.
    /// </summary>
    private sealed class ConversationRace : CommandWatcher
    {
        private int _armed;

        public void BumpVersionOnce() => Volatile.Write(ref _armed, 1);

        protected override async ValueTask SeeAsync(DbCommand command, CancellationToken cancellationToken)
        {
            if (command.CommandText.Contains("UPDATE \"Conversations\"", StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                await using var bump = command.Connection!.CreateCommand();
                bump.Transaction = command.Transaction;
                bump.CommandText = "UPDATE \"Conversations\" SET \"Version\" = \"Version\" + 1";
                await bump.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }
}
