namespace Actors.Thunks;

/// <summary>
/// The actions of trees still running, in order, with their trees (owned by the state store). Kept in chunks:
/// a tree may apply millions of actions, and one growing array of them would be copied at every doubling
/// and live on the large object heap, whose collections cost every actor in the process.
/// </summary>
internal sealed class PendingActions
{
    private const int ChunkSize = 1_024;
    private readonly List<(string RootId, object Action)[]> _chunks = [];
    private int _inLastChunk = ChunkSize;

    /// <summary>How many actions are pending.</summary>
    public int Count { get; private set; }

    public void Add(string rootId, object action)
    {
        if (_inLastChunk == ChunkSize)
        {
            _chunks.Add(new (string, object)[ChunkSize]);
            _inLastChunk = 0;
        }

        _chunks[^1][_inLastChunk++] = (rootId, action);
        Count++;
    }

    /// <summary>Every pending action, in order.</summary>
    public IEnumerable<(string RootId, object Action)> All()
    {
        for (var chunk = 0; chunk < _chunks.Count; chunk++)
        {
            var used = chunk == _chunks.Count - 1 ? _inLastChunk : ChunkSize;
            for (var i = 0; i < used; i++)
            {
                yield return _chunks[chunk][i];
            }
        }
    }

    /// <summary>How many of the pending actions are <paramref name="rootId"/>'s, and its last.</summary>
    public (int Count, object? Last) Of(string rootId)
    {
        var (count, last) = (0, (object?)null);
        foreach (var (root, action) in All())
        {
            if (string.Equals(root, rootId, StringComparison.Ordinal))
            {
                (count, last) = (count + 1, action);
            }
        }

        return (count, last);
    }

    /// <summary>Takes <paramref name="rootId"/>'s actions out, in order.</summary>
    public List<object> Remove(string rootId)
    {
        var (mine, others) = (new List<object>(), new List<(string RootId, object Action)>());
        foreach (var pending in All())
        {
            if (string.Equals(pending.RootId, rootId, StringComparison.Ordinal))
            {
                mine.Add(pending.Action);
            }
            else
            {
                others.Add(pending);
            }
        }

        Clear();
        foreach (var (root, action) in others)
        {
            Add(root, action);
        }

        return mine;
    }

    public void Clear()
    {
        _chunks.Clear();
        _inLastChunk = ChunkSize;
        Count = 0;
    }
}
