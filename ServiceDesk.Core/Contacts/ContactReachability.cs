using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Contacts;

/// <summary>
/// Channels that learn, outside a delivery, that a person can or cannot be reached at an address (a Teams
/// user removed or re-installed the app) say so here, so notifications take another route or come back.
/// </summary>
public sealed class ContactReachability(ServiceDeskDbContext db, WriteTransaction transaction)
{
    /// <returns>True when the address was marked unreachable now.</returns>
    public Task<bool> MarkUnreachableAsync(Channel channel, string address, string reason, CancellationToken cancellationToken) =>
        SetAsync(channel, address, unreachable: true, reason, cancellationToken);

    /// <returns>True when an unreachable address was made reachable again.</returns>
    public async Task<bool> RestoreAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        // Most calls find nothing to do: look before taking the write lock.
        var normalized = ContactIdentity.Normalize(channel, address);
        var unreachable = await db.ContactIdentities.AsNoTracking().AnyAsync(i => i.Channel == channel && i.Address == normalized && i.Unreachable, cancellationToken);
        return unreachable && await SetAsync(channel, address, unreachable: false, reason: null, cancellationToken);
    }

    private Task<bool> SetAsync(Channel channel, string address, bool unreachable, string? reason, CancellationToken cancellationToken)
    {
        var normalized = ContactIdentity.Normalize(channel, address);
        return transaction.RunAsync(
            async ct =>
            {
                var identity = await db.ContactIdentities.FirstOrDefaultAsync(i => i.Channel == channel && i.Address == normalized, ct);
                if (identity is null || identity.Unreachable == unreachable)
                {
                    return false;
                }

                identity.Unreachable = unreachable;
                identity.UnreachableReason = reason;
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
    }
}
