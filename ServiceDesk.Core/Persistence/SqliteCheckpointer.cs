using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background, on a connection of its own.
/// </summary>
/// <remarks>
/// SQLite's own automatic checkpoint runs inside the commit that takes the log past 1,000 pages: that writer copies
/// the log and syncs the database file while it holds the write gate, and every other writer waits behind it (a
/// quarter of the gated time of an intake). The desk's connections turn it off (<see cref="SqlitePragmas"/>) and
/// this service checkpoints instead. A passive checkpoint runs beside the writers, and a short one between two writes
/// copies what they appended meanwhile: once everything is copied, the next writer starts the log from its beginning
/// again, so the file stops growing. Readers that keep an old snapshot
/// can stop that, so a log file past <see cref="DatabaseOptions.SqliteWalLimitMb"/> is truncated, between two writes.
/// </remarks>
internal sealed partial class SqliteCheckpointer(
    string connectionString,
    SqliteWriteGate gate,
    IOptions<DatabaseOptions> options,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    /// <summary>Often enough to keep the log a few megabytes long at full write speed; a checkpoint with nothing to copy costs next to nothing.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>SQLite's own automatic checkpoint threshold: a shorter log is left to grow until the next round.</summary>
    private const int CatchUpAboveFrames = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Pooled connections would share this one's settings with nobody; a plain one is closed with the service.
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new SqliteConnection(builder.ConnectionString);
        var limit = options.Value.SqliteWalLimitMb * 1024L * 1024L;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (connection.State != System.Data.ConnectionState.Open)
                    {
                        await connection.OpenAsync(stoppingToken);
                    }

                    await CheckpointAsync(connection, limit, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(e);
                    await connection.CloseAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last connection to close checkpoints what is left.
        }
    }

    private async Task CheckpointAsync(SqliteConnection connection, long limit, CancellationToken cancellationToken)
    {
        // The bulk of the copy, beside the writers.
        var (busy, frames, copied) = await RunAsync(connection, "PASSIVE", cancellationToken);
        if (frames >= CatchUpAboveFrames)
        {
            // The next writer starts the log from its beginning again only if every frame was in the database when it
            // began. Under steady writes that moment never comes by itself: writers append while the copy runs (the
            // counts above are those of the log as the copy began, so they match even then), the log grew until it was
            // truncated, and the truncation held every writer back for tens of milliseconds (the intake's p99). The few
            // frames written meanwhile are copied between two writes instead, and the log starts over. A second pass beside
            // the writers first copies most of them, so that the writers wait for as little as possible.
            await RunAsync(connection, "PASSIVE", cancellationToken);
            using (await gate.EnterAsync(cancellationToken))
            {
                (busy, frames, copied) = await RunAsync(connection, "PASSIVE", cancellationToken);
            }
        }

        if (copied > 0 || busy)
        {
            LogCheckpoint(copied, frames, busy);
        }

        var walFile = new FileInfo(connection.DataSource + "-wal");
        if (!walFile.Exists || walFile.Length <= limit)
        {
            return;
        }

        // TRUNCATE waits for no writer; holding the gate, it is the only one. A reader on an old snapshot makes it
        // busy: the next round tries again.
        using (await gate.EnterAsync(cancellationToken))
        {
            (busy, _, _) = await RunAsync(connection, "TRUNCATE", cancellationToken);
        }

        LogTruncated(walFile.Length, busy);
    }

    /// <returns>Whether a reader or writer kept it from finishing, the log's frames, and how many of them are in the database now.</returns>
    private static async Task<(bool Busy, int Frames, int Copied)> RunAsync(SqliteConnection connection, string mode, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0) != 0, reader.GetInt32(1), reader.GetInt32(2));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQLite checkpoint: {Copied} of {Frames} log frames in the database (busy: {Busy})")]
    private partial void LogCheckpoint(int copied, int frames, bool busy);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQLite log of {Bytes} bytes truncated (busy: {Busy})")]
    private partial void LogTruncated(long bytes, bool busy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite checkpoint failed; trying again shortly")]
    private partial void LogFailed(Exception exception);
}
