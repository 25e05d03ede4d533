using System.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// Runs a unit of work in one database transaction, retrying it when it lost a race
/// (a unique index or a concurrency token refused it because a concurrent writer got there first).
/// The work starts again on a clean change tracker and so sees what the winner committed.
/// </summary>
/// <remarks>
/// SQLite has a single writer. Rather than let concurrent transactions spin on SQLITE_BUSY,
/// writers queue on an in-process gate, which keeps latency flat under load, and the holder of the gate runs its
/// transaction on the one writer connection (<see cref="SqliteWriterConnection"/>), whose statements stay prepared.
/// </remarks>
public sealed class WriteTransaction(ServiceDeskDbContext db, SqliteWriteGate gate, SqliteWriterConnection? writer = null)
{
    private const int MaxAttempts = 5;

    /// <summary>The SQLite writer queue, for single statements that write outside <see cref="RunAsync{T}"/>.</summary>
    public SqliteWriteGate Gate { get; } = gate;

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var turn = db.Provider == DatabaseProvider.Sqlite ? await Gate.EnterAsync(cancellationToken) : null;
            using var writerConnection = turn is not null && writer is not null ? await writer.LendAsync(db, cancellationToken) : null;

            // The whole unit is retried on failure, so per-SaveChanges savepoints would only add round trips.
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                var result = await work(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (DbUpdateException e) when (IsLostRace(e) && attempt < MaxAttempts)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// Saves the unit's changes inside its transaction, from within <see cref="RunAsync{T}"/>, without SaveChanges'
    /// preparations when the provider's row writer covers them (<see cref="SqliteRowWriter"/> inside SQLite's write gate,
    /// <see cref="PostgresRowWriter"/> in one prepared batch once the keys are drawn), else with SaveChanges. A lost race
    /// fails as SaveChanges fails, and the unit is retried.
    /// </summary>
    public Task SaveChangesAsync(CancellationToken cancellationToken) => db.Provider == DatabaseProvider.PostgreSql
        ? PostgresRowWriter.SaveChangesAsync(db, cancellationToken)
        : SqliteRowWriter.SaveChangesAsync(db, cancellationToken);

    private static bool IsLostRace(DbUpdateException e) => e is DbUpdateConcurrencyException || DatabaseErrors.IsUniqueViolation(e);
}

/// <summary>The in-process queue for SQLite's single writer.</summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private long _heldTicks;

    /// <summary>
    /// How long writers have held the gate in all, since the start: SQLite's single writer makes it what bounds write
    /// throughput, so work moved out of it (or made cheaper in it) shows here. Two timestamps a turn.
    /// </summary>
    public TimeSpan HeldTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _heldTicks));

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        return new Turn(this, Stopwatch.GetTimestamp());
    }

    private sealed class Turn(SqliteWriteGate gate, long entered) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Add(ref gate._heldTicks, Stopwatch.GetTimestamp() - entered);
                gate._semaphore.Release();
            }
        }
    }
}
