using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace ServiceDesk.Core.Persistence;

/// <summary>
/// The entities a context tracks, read without the change detection that <c>DbSet.Local</c> (and
/// <c>ChangeTracker.Entries</c>) runs over every tracked entity first while automatic detection is on. For lookups by key
/// or by columns that never change once a row exists (a conversation's channel and key, an identity's address): all the
/// detection can tell such a lookup is that a property changed, which these do not, or that an entity reachable only
/// through a navigation of a tracked one is new. The rows looked up this way are tracked by the context when they are
/// added (<c>DbSet.Add</c> tracks the whole graph at once) or loaded, so the lookup finds what it found with the detection;
/// every save still runs its own.
/// </summary>
internal static class TrackedEntities
{
    public static LocalView<TEntity> Tracked<TEntity>(this DbContext db)
        where TEntity : class
    {
        var tracker = db.ChangeTracker;
        if (!tracker.AutoDetectChangesEnabled)
        {
            return db.Set<TEntity>().Local;
        }

        // Only getting the view detects: enumerating it and finding by key read the state manager as it is.
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            return db.Set<TEntity>().Local;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = true;
        }
    }
}
