using System.Collections.Concurrent;

namespace Actors.Compute;

/// <summary>
/// What each worker reports about itself (counters written by the worker, read for status queries):
/// the pool's workers are busy running units, so they are not asked.
/// </summary>
internal sealed class ComputeWorkers
{
    private static long s_lastIncarnation;
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private int _lastIndex = -1;

    /// <summary>Called by each new worker instance: a first start, or a restart of a known worker.</summary>
    public Slot Started(string name)
    {
        var slot = _slots.GetOrAdd(name, n => new Slot(n, Interlocked.Increment(ref _lastIndex)));
        if (Interlocked.Exchange(ref slot.Incarnation, Interlocked.Increment(ref s_lastIncarnation)) != 0)
        {
            Interlocked.Increment(ref slot.Restarts);
        }

        return slot;
    }

    public IReadOnlyList<ComputeWorkerStatus> Snapshot() => _slots.Values
        .OrderBy(s => s.Name, StringComparer.Ordinal)
        .Select(s => new ComputeWorkerStatus(s.Name, Volatile.Read(ref s.Incarnation), Volatile.Read(ref s.Restarts), Interlocked.Read(ref s.UnitsRun), Volatile.Read(ref s.Busy) != 0))
        .ToArray();

    /// <summary>One worker's counters.</summary>
    internal sealed class Slot(string name, int index)
    {
        public readonly string Name = name;

        /// <summary>From 0 to the pool size - 1: where the worker keeps its batch in each run.</summary>
        public readonly int Index = index;
        public long Incarnation;
        public int Restarts;
        public long UnitsRun;
        public int Busy;
    }
}
