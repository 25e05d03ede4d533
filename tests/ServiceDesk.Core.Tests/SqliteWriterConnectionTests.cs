using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Contacts;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;
using SQLitePCL;

namespace ServiceDesk.Core.Tests;

/// <summary>SQLite write transactions run on the one writer connection, whose statements stay prepared between them.</summary>
public class SqliteWriterConnectionTests
{
    [Fact]
    public async Task Intake_transactions_reuse_the_writer_connections_prepared_statements()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var writer = desk.Services.GetRequiredService<SqliteWriterConnection>();
        using var runs = new StatementRuns(writer.Connection);

        // A first contact, then the same sender again: every statement of both kinds of message has run once.
        await ReceiveAsync(desk, "SM-1", "+34600000001", "My laptop does not start");
        await ReceiveAsync(desk, "SM-2", "+34600000001", "It still does not start");
        var firstRound = runs.Take();
        Assert.NotEmpty(firstRound);
        Assert.True(SqliteStatementCache.Instance.CountFor(writer.Connection) > 0);

        // The same kinds of message again: each query runs on the statement prepared in the first round, which SQLite
        // counts as run before (a statement prepared anew has never run).
        await ReceiveAsync(desk, "SM-3", "+34600000002", "The VPN refuses my password");
        await ReceiveAsync(desk, "SM-4", "+34600000002", "Still refused");
        var secondRound = runs.Take().Where(r => firstRound.Any(f => f.Text == r.Text)).ToList();
        Assert.True(secondRound.Count >= firstRound.Count / 2, $"{secondRound.Count} of {firstRound.Count} statements ran again");
        Assert.All(secondRound, r => Assert.True(r.RunsBefore > 0, $"prepared anew: {r.Text}"));

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(4, await db.Messages.CountAsync(m => m.ExternalId != null));
            Assert.Equal(2, await db.Tickets.CountAsync());
        });
    }

    [Fact]
    public async Task A_failed_transaction_leaves_nothing_behind_and_the_writer_as_it_was()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        await Assert.ThrowsAsync<InvalidOperationException>(() => desk.InScopeAsync(sp =>
            sp.GetRequiredService<WriteTransaction>().RunAsync<int>(
                async ct =>
                {
                    var db = sp.GetRequiredService<ServiceDeskDbContext>();
                    db.Contacts.Add(NewContact("+34600000009"));
                    await db.SaveChangesAsync(ct);
                    throw new InvalidOperationException("the work failed after its first save");
                },
                CancellationToken.None)));

        // A foreign key the database must refuse: the writer still enforces them after the rollback.
        await Assert.ThrowsAsync<DbUpdateException>(() => desk.InScopeAsync(sp =>
            sp.GetRequiredService<WriteTransaction>().RunAsync(
                async ct =>
                {
                    var db = sp.GetRequiredService<ServiceDeskDbContext>();
                    db.ContactIdentities.Add(new ContactIdentity { ContactId = 424242, Channel = Channel.Sms, Address = "+34600000010" });
                    return await db.SaveChangesAsync(ct);
                },
                CancellationToken.None)));

        var (pragmas, contacts) = await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            var result = await sp.GetRequiredService<WriteTransaction>().RunAsync(
                async ct =>
                {
                    db.Contacts.Add(NewContact("+34600000011"));
                    await db.SaveChangesAsync(ct);
                    var foreignKeys = await db.Database.SqlQueryRaw<int>("PRAGMA foreign_keys").ToListAsync(ct);
                    var autoCheckpoint = await db.Database.SqlQueryRaw<int>("PRAGMA wal_autocheckpoint").ToListAsync(ct);
                    return (Assert.Single(foreignKeys), Assert.Single(autoCheckpoint));
                },
                CancellationToken.None);
            return (result, await db.Contacts.Select(c => c.DisplayName).ToListAsync());
        });

        Assert.Equal((1, 0), pragmas);
        Assert.Equal(["+34600000011"], contacts);
        Assert.Equal(1, raw.sqlite3_get_autocommit(desk.Services.GetRequiredService<SqliteWriterConnection>().Connection.Handle));
    }

    [Fact]
    public async Task A_writer_left_inside_a_transaction_is_rolled_back_before_the_next_one()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        await ReceiveAsync(desk, "SM-1", "+34600000001", "First");
        var writer = desk.Services.GetRequiredService<SqliteWriterConnection>();

        // What a holder that failed half-way could leave: an open transaction with a write in it.
        using (await desk.Services.GetRequiredService<SqliteWriteGate>().EnterAsync(CancellationToken.None))
        {
            await using var command = writer.Connection.CreateCommand();
            command.CommandText = "BEGIN; DELETE FROM \"Messages\";";
            await command.ExecuteNonQueryAsync();
        }

        await ReceiveAsync(desk, "SM-2", "+34600000001", "Second");

        await desk.InScopeAsync(async sp =>
            Assert.Equal(["SM-1", "SM-2"], await sp.GetRequiredService<ServiceDeskDbContext>().Messages.Where(m => m.ExternalId != null).OrderBy(m => m.Id).Select(m => m.ExternalId!).ToListAsync()));
    }

    [Fact]
    public async Task A_scope_reads_on_its_own_connection_before_and_after_its_write_transaction()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var writer = desk.Services.GetRequiredService<SqliteWriterConnection>();

        await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            Assert.Equal(0, await db.Contacts.CountAsync());
            Assert.NotSame(writer.Connection, db.Database.GetDbConnection());

            var onWriter = await sp.GetRequiredService<WriteTransaction>().RunAsync(
                async ct =>
                {
                    db.Contacts.Add(NewContact("+34600000001"));
                    await db.SaveChangesAsync(ct);
                    return ReferenceEquals(writer.Connection, db.Database.GetDbConnection());
                },
                CancellationToken.None);

            Assert.True(onWriter);
            Assert.NotSame(writer.Connection, db.Database.GetDbConnection());

            // EF's own SQLite functions (here REGEXP) exist on the connection the context got back.
            Assert.Equal(1, await db.Contacts.CountAsync(c => System.Text.RegularExpressions.Regex.IsMatch(c.DisplayName, "^\\+346")));
        });
    }

    [Fact]
    public async Task A_scope_that_holds_its_own_connection_open_writes_on_it()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        var writer = desk.Services.GetRequiredService<SqliteWriterConnection>();

        var onWriter = await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            await db.Database.OpenConnectionAsync();
            var own = db.Database.GetDbConnection();
            try
            {
                return await sp.GetRequiredService<WriteTransaction>().RunAsync(
                    async ct =>
                    {
                        db.Contacts.Add(NewContact("+34600000001"));
                        await db.SaveChangesAsync(ct);
                        return ReferenceEquals(writer.Connection, db.Database.GetDbConnection()) || !ReferenceEquals(own, db.Database.GetDbConnection());
                    },
                    CancellationToken.None);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });

        Assert.False(onWriter);
        await desk.InScopeAsync(async sp => Assert.Equal(1, await sp.GetRequiredService<ServiceDeskDbContext>().Contacts.CountAsync()));
    }

    [Fact]
    public async Task A_statement_that_runs_again_while_its_reader_is_open_gets_a_command_of_its_own()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);
        foreach (var i in Enumerable.Range(1, 3))
        {
            await ReceiveAsync(desk, $"SM-{i}", $"+3460000000{i}", $"Problem {i}");
        }

        var pairs = await desk.InScopeAsync(sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            return sp.GetRequiredService<WriteTransaction>().RunAsync(
                async ct =>
                {
                    var found = new List<(long, int)>();
                    var from = 0L;
                    await foreach (var contact in db.Contacts.AsNoTracking().Where(c => c.Id > from).OrderBy(c => c.Id).AsAsyncEnumerable().WithCancellation(ct))
                    {
                        // The same query text, with another value, while the outer reader still reads.
                        from = contact.Id;
                        found.Add((from, (await db.Contacts.AsNoTracking().Where(c => c.Id > from).OrderBy(c => c.Id).ToListAsync(ct)).Count));
                    }

                    return found;
                },
                CancellationToken.None);
        });

        Assert.Equal([2, 1, 0], pairs.Select(p => p.Item2));
    }

    private static Contact NewContact(string phone) => new()
    {
        DisplayName = phone,
        Language = "en",
        CreatedAt = TestDesk.DefaultStart,
        Identities = [new ContactIdentity { Channel = Channel.Sms, Address = phone }],
    };

    private static Task<IntakeResult> ReceiveAsync(TestDesk desk, string id, string sender, string text) =>
        desk.InScopeAsync(sp => sp.GetRequiredService<IntakeService>().ReceiveAsync(
            new InboundMessage
            {
                Channel = Channel.Sms,
                ExternalId = id,
                SenderAddress = sender,
                ConversationKey = $"{sender}|+34900000000",
                Text = text,
            },
            CancellationToken.None));

    /// <summary>
    /// The queries EF runs on one connection, each with how often its SQLite statement had run before (SQLite's own
    /// counter, read from the reader EF got).
    /// </summary>
    private sealed class StatementRuns : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        /// <summary>SQLITE_STMTSTATUS_RUN: how many times the statement ran to a reset.</summary>
        private const int SqliteStatusRun = 6;

        private readonly SqliteConnection _connection;
        private readonly ConcurrentQueue<(string Text, int RunsBefore)> _executed = new();
        private readonly List<IDisposable> _subscriptions = [];

        public StatementRuns(SqliteConnection connection)
        {
            _connection = connection;
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public List<(string Text, int RunsBefore)> Take()
        {
            var taken = new List<(string, int)>();
            while (_executed.TryDequeue(out var executed))
            {
                taken.Add(executed);
            }

            return taken;
        }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(listener.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == RelationalEventId.CommandExecuted.Name
                && value.Value is CommandExecutedEventData { Result: SqliteDataReader { Handle: { } statement } } executed
                && ReferenceEquals(executed.Connection, _connection))
            {
                _executed.Enqueue((executed.Command.CommandText, raw.sqlite3_stmt_status(statement, SqliteStatusRun, 0)));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}
