using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Intake;

/// <summary>
/// Leases on pulled sources and their checkpoints, kept in the database so that, of several app instances
/// sharing it, exactly one reads a source at a time. Every write is one conditional UPDATE: of two instances
/// racing for an expired lease exactly one wins, and an instance that lost its lease cannot move the checkpoint.
/// </summary>
public sealed class SourceLeases(ServiceDeskDbContext db, WriteTransaction transaction, TimeProvider time)
{
    /// <summary>Takes the lease if it is free, expired or already ours, and extends it; false when another instance holds it.</summary>
    public async Task<bool> TryAcquireAsync(string source, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        await EnsureRowAsync(source, cancellationToken);
        var now = time.GetUtcNow();
        var until = now + duration;
        using var turn = await GateAsync(cancellationToken);
        var updated = await db.SourceCheckpoints
            .Where(c => c.Source == source && (c.LeaseOwner == null || c.LeaseOwner == owner || c.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LeaseOwner, owner).SetProperty(c => c.LeaseExpiresAt, until), cancellationToken);
        return updated == 1;
    }

    public async Task ReleaseAsync(string source, string owner, CancellationToken cancellationToken)
    {
        using var turn = await GateAsync(cancellationToken);
        await db.SourceCheckpoints
            .Where(c => c.Source == source && c.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LeaseOwner, (string?)null).SetProperty(c => c.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
    }

    public Task<SourceCheckpoint?> ReadAsync(string source, CancellationToken cancellationToken) =>
        db.SourceCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Source == source, cancellationToken);

    /// <summary>Moves the checkpoint; false (nothing written) when <paramref name="owner"/> no longer holds the lease.</summary>
    public async Task<bool> SaveAsync(string source, string owner, long generation, long position, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        using var turn = await GateAsync(cancellationToken);
        var updated = await db.SourceCheckpoints
            .Where(c => c.Source == source && c.LeaseOwner == owner)
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.Generation, generation).SetProperty(c => c.Position, position).SetProperty(c => c.UpdatedAt, now),
                cancellationToken);
        return updated == 1;
    }

    private async Task EnsureRowAsync(string source, CancellationToken cancellationToken)
    {
        if (await db.SourceCheckpoints.AsNoTracking().AnyAsync(c => c.Source == source, cancellationToken))
        {
            return;
        }

        // Two instances starting together both insert; the loser's retry sees the winner's row.
        await transaction.RunAsync(
            async ct =>
            {
                if (!await db.SourceCheckpoints.AnyAsync(c => c.Source == source, ct))
                {
                    db.SourceCheckpoints.Add(new SourceCheckpoint { Source = source, UpdatedAt = time.GetUtcNow() });
                    await db.SaveChangesAsync(ct);
                }

                return 0;
            },
            cancellationToken);
        db.ChangeTracker.Clear();
    }

    private async Task<IDisposable?> GateAsync(CancellationToken cancellationToken) =>
        db.Provider == DatabaseProvider.Sqlite ? await transaction.Gate.EnterAsync(cancellationToken) : null;
}
