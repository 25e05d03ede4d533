using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace ServiceDesk.Core.Persistence;

/// <summary>A key an added row takes before the save, instead of the one its insert would draw.</summary>
internal static class PermanentKey
{
    /// <summary>A permanent key: EF carries it into the rows that name the entity by its temporary one.</summary>
    public static void Give(PropertyEntry key, long value)
    {
        key.CurrentValue = value;
        key.IsTemporary = false;
    }
}
