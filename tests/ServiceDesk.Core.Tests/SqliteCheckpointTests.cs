using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Core.Intake;
using ServiceDesk.Core.Persistence;
using ServiceDesk.Testing;

namespace ServiceDesk.Core.Tests;

/// <summary>SQLite's write-ahead log is copied into the database by the background checkpoint, not by the writers.</summary>
public class SqliteCheckpointTests
{
    [Fact]
    public async Task The_desks_connections_leave_checkpoints_to_the_background()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite);

        var pages = await desk.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<ServiceDeskDbContext>();
            await db.Database.OpenConnectionAsync();
            try
            {
                return await db.Database.SqlQueryRaw<int>("PRAGMA wal_autocheckpoint").ToListAsync();
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });

        Assert.Equal(0, Assert.Single(pages));
    }

    [Fact]
    public async Task Under_sustained_writes_the_log_is_checkpointed_and_stays_within_its_limit()
    {
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string?> { ["Database:SqliteWalLimitMb"] = "1" });
        var file = await desk.InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<ServiceDeskDbContext>().Database.GetDbConnection().DataSource));
        var (database, log) = (new FileInfo(file), new FileInfo(file + "-wal"));
        const int rounds = 4;
        const int perRound = 300;
        var logPeak = 0L;

        for (var round = 0; round < rounds; round++)
        {
            database.Refresh();
            var databaseBefore = database.Length;

            // Four writers, new senders and returning ones: several megabytes of log per round, past the 1 MB limit.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; i < perRound / 4; i++)
                {
                    await WriteAsync(desk, $"{round}-{writer}-{i}", i % 2 == 0 ? $"+3461{round}{writer}{i:D5}" : $"+3462{writer}000000");
                }
            })));
            log.Refresh();
            logPeak = Math.Max(logPeak, log.Exists ? log.Length : 0);

            // The writers never copy the log into the database: only the checkpoint makes the database file grow.
            await Poll.UntilAsync(
                () =>
                {
                    database.Refresh();
                    log.Refresh();
                    return Task.FromResult(database.Length > databaseBefore && (!log.Exists || log.Length <= 1024 * 1024));
                },
                TimeSpan.FromSeconds(60),
                () => $"round {round}: database {databaseBefore} -> {database.Length} bytes, log {(log.Exists ? log.Length : 0)} bytes");
        }

        Assert.True(logPeak > 1024 * 1024, $"the rounds wrote too little log to test the limit ({logPeak} bytes)");
        var stored = await desk.InScopeAsync(sp => sp.GetRequiredService<ServiceDeskDbContext>().Messages.CountAsync(m => m.ExternalId != null));
        Assert.Equal(rounds * perRound, stored);
    }

    [Fact]
    public async Task Under_sustained_writes_the_log_starts_over_without_being_truncated()
    {
        // Each start-over adds one to the sequence; the checkpoint runs four times a second.
        const uint RestartsExpected = 10;
        // A limit no log reaches here: only a checkpoint that copies everything between two writes lets the log start over.
        await using var desk = await TestDesk.CreateAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string?> { ["Database:SqliteWalLimitMb"] = "65536" });
        var file = await desk.InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<ServiceDeskDbContext>().Database.GetDbConnection().DataSource));
        await WriteAsync(desk, "first");
        var sequenceBefore = CheckpointSequence(file + "-wal");

        // Writers that never pause: the log only starts over when the checkpoint has finished between two of their
        // transactions, which the background copy alone, running beside them, only achieves by chance now and then.
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await WriteAsync(desk, $"{writer}-{i}", i % 2 == 0 ? $"+3463{writer}{i:D6}" : $"+3464{writer}000000");
                Interlocked.Increment(ref written);
            }
        })).ToArray();
        try
        {
            await Poll.UntilAsync(
                () => Task.FromResult(CheckpointSequence(file + "-wal") - sequenceBefore >= RestartsExpected),
                TimeSpan.FromSeconds(60),
                () => $"the log started over {CheckpointSequence(file + "-wal") - sequenceBefore} times in {Volatile.Read(ref written)} messages (log {new FileInfo(file + "-wal").Length} bytes)");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
    }

    private static Task WriteAsync(TestDesk desk, string id, string sender = "+34650000000") =>
        desk.InScopeAsync(sp => sp.GetRequiredService<IntakeService>().ReceiveAsync(
            new InboundMessage
            {
                Channel = Channel.Sms,
                ExternalId = $"SM-{id}",
                SenderAddress = sender,
                ConversationKey = $"{sender}|+34900000000",
                Text = $"Message {id}",
            },
            CancellationToken.None));

    /// <summary>The write-ahead log header's checkpoint sequence number (big-endian at offset 12): it changes each time the log starts over.</summary>
    private static uint CheckpointSequence(string log)
    {
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
    }
}
