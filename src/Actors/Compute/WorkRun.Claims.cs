using System.Diagnostics;

namespace Actors.Compute;

/// <summary>How workers take units from a run: nothing is assigned to a worker before it is free.</summary>
public sealed partial class WorkRun
{
    /// <summary>The most units one claim takes.</summary>
    private const int MaxBatch = 4096;

    /// <summary>
    /// The next unit for worker <paramref name="worker"/>: a unit to retry, else the next of its own batch,
    /// else the first of a new batch claimed from the run, else one taken from another worker's batch (so
    /// units never wait behind a long one while a worker is free). False when nothing is left to start.
    /// <paramref name="batchEdge"/> says the unit is not the next of the worker's batch (a moment to look at the clock).
    /// </summary>
    internal bool TryTakeNext(int worker, out WorkUnit unit, out bool batchEdge)
    {
        batchEdge = true;
        if (_retries.TryDequeue(out unit!))
        {
            return true;
        }

        if (_batches[worker] is { } own && own.TryTake(out var position))
        {
            batchEdge = false;
            unit = UnitAt(position);
            return true;
        }

        if (TryClaim(worker, out position))
        {
            unit = UnitAt(position);
            return true;
        }

        foreach (var other in _batches)
        {
            if (other is not null && other.TryTake(out position))
            {
                unit = UnitAt(position);
                return true;
            }
        }

        unit = null!;
        return false;
    }

    /// <summary>Queues a unit that is pending again, to be retried.</summary>
    internal void Retry(WorkUnit unit) => _retries.Enqueue(unit);

    /// <summary>The unit at a claim position.</summary>
    internal WorkUnit UnitAt(int position) => _units[_claimOrder?[position] ?? position];

    /// <summary>
    /// Claims a batch: about the batch target of work by the last measured unit cost (one unit until
    /// something was measured), never more than a 1/(2 × workers) share of what is left. Returns its first
    /// position; the rest become the worker's batch.
    /// </summary>
    private bool TryClaim(int worker, out int first)
    {
        first = 0;
        var left = _units.Length - Volatile.Read(ref _nextClaim);
        if (_stopped || left <= 0)
        {
            return false;
        }

        var previous = _batches[worker];
        var now = Stopwatch.GetTimestamp();
        previous?.Measure(now, ref _ticksPerUnit);
        var perUnit = Volatile.Read(ref _ticksPerUnit);
        var size = perUnit == 0 ? 1 : (int)Math.Clamp(_batchTargetTicks / perUnit, 1, MaxBatch);
        size = Math.Max(1, Math.Min(size, left / (2 * _batches.Length)));
        first = Interlocked.Add(ref _nextClaim, size) - size;
        var end = Math.Min(_units.Length, first + size);
        if (first >= end)
        {
            return false;
        }

        Volatile.Write(ref _batches[worker], new ClaimedBatch(first + 1, end, now));
        return true;
    }

    /// <summary>
    /// Positions claimed by one worker; anyone may take the next one (its owner, or a free worker once
    /// nothing else is left), each exactly once.
    /// </summary>
    private sealed class ClaimedBatch(int next, int end, long claimedAt)
    {
        private readonly int _size = end - next + 1;
        private int _next = next;

        public bool TryTake(out int position)
        {
            if (Volatile.Read(ref _next) >= end)
            {
                position = 0;
                return false;
            }

            position = Interlocked.Increment(ref _next) - 1;
            return position < end;
        }

        /// <summary>Records what one unit of this batch cost, for sizing the next claims.</summary>
        public void Measure(long now, ref long ticksPerUnit) => Volatile.Write(ref ticksPerUnit, Math.Max(1, (now - claimedAt) / _size));
    }
}
