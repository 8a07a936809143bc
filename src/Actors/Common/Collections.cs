namespace Actors.Common;

/// <summary>Keeps long-lived tables from holding the memory of a backlog that has passed.</summary>
internal static class Collections
{
    /// <summary>Below this capacity a table is not worth shrinking.</summary>
    private const int SmallCapacity = 16_384;

    /// <summary>
    /// Gives back a dictionary's spare room once it holds under a quarter of its capacity (a dictionary never
    /// shrinks by itself, so a queue that once held 100,000 tasks would keep their room for good). The
    /// quarter leaves room to grow again before the next shrink, so the cost stays amortized.
    /// </summary>
    public static void ShrinkAfterBacklog<TKey, TValue>(Dictionary<TKey, TValue> table)
        where TKey : notnull
    {
        var capacity = table.EnsureCapacity(0);
        if (capacity > SmallCapacity && table.Count < capacity / 4)
        {
            table.TrimExcess();
        }
    }
}
