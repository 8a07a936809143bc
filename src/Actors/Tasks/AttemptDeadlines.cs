namespace Actors.Tasks;

/// <summary>A run whose attempts <see cref="AttemptDeadlines{TRun}"/> watches: the number of the watch on its running attempt, 0 while none.</summary>
internal interface IWatchedAttempt
{
    long Watch { get; set; }
}

/// <summary>
/// When running attempts time out, kept by the queue actor without a timer per attempt (which cost about an eighth of the
/// queue's time at full load) and without an object per attempt: one queue of entries per timeout, in deadline order since
/// every deadline of a queue is "now" plus the same timeout, and one timer watches the earliest deadline of all.
/// </summary>
/// <remarks>
/// An attempt that ends is not looked for: its run's watch number is cleared, which makes its entry stale. Stale entries are
/// dropped when they reach the front, and once they outnumber the live ones (plus some slack) every queue is compacted, so
/// the entries stay within about twice the attempts watched, each compaction paid for by the stale entries it drops. A
/// queue keeps its array (sized by the most attempts it has watched at once): trimmed at each compaction, it was
/// regrown each time, and cost more than the objects per attempt it replaced.
/// </remarks>
internal sealed class AttemptDeadlines<TRun> where TRun : class, IWatchedAttempt
{
    private const int StaleSlack = 64;

    private readonly Dictionary<TimeSpan, Queue<Entry>> _byTimeout = [];
    private long _lastWatch;
    private int _live;
    private int _entries;

    /// <summary>How many entries the queues hold, stale ones included (for tests).</summary>
    internal int Entries => _entries;

    /// <summary>
    /// Watches attempt <paramref name="attempt"/> of <paramref name="run"/>, due <paramref name="timeout"/> after
    /// <paramref name="now"/>, instead of any attempt of it watched before; returns the deadline.
    /// </summary>
    public DateTimeOffset Add(TRun run, int attempt, TimeSpan timeout, DateTimeOffset now)
    {
        Remove(run);
        if (!_byTimeout.TryGetValue(timeout, out var entries))
        {
            _byTimeout[timeout] = entries = new Queue<Entry>();
        }

        var at = timeout >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + timeout;
        run.Watch = ++_lastWatch;
        entries.Enqueue(new Entry(run, run.Watch, attempt, at.UtcTicks));
        _live++;
        if (++_entries > 2 * _live + StaleSlack)
        {
            Compact();
        }

        return at;
    }

    /// <summary>Stops watching <paramref name="run"/>'s attempt (it ended); nothing if none is watched.</summary>
    public void Remove(TRun run)
    {
        if (run.Watch != 0)
        {
            run.Watch = 0;
            _live--;
        }
    }

    /// <summary>The earliest deadline watched, if any (the stale entries in front of it are dropped on the way).</summary>
    public DateTimeOffset? Earliest()
    {
        long? earliest = null;
        foreach (var entries in _byTimeout.Values)
        {
            if (LiveFront(entries) is { } first && (earliest is null || first.At < earliest))
            {
                earliest = first.At;
            }
        }

        return earliest is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>Takes the attempts whose deadline has come by <paramref name="now"/> out of the watch.</summary>
    public List<(TRun Run, int Attempt)> TakeDue(DateTimeOffset now)
    {
        var due = new List<(TRun, int)>();
        foreach (var entries in _byTimeout.Values)
        {
            while (LiveFront(entries) is { } first && first.At <= now.UtcTicks)
            {
                entries.Dequeue();
                _entries--;
                Remove(first.Run);
                due.Add((first.Run, first.Attempt));
            }
        }

        return due;
    }

    /// <summary>The first live entry of <paramref name="entries"/>, the stale ones before it dropped.</summary>
    private Entry? LiveFront(Queue<Entry> entries)
    {
        while (entries.TryPeek(out var first))
        {
            if (first.IsLive)
            {
                return first;
            }

            entries.Dequeue();
            _entries--;
        }

        return null;
    }

    private void Compact()
    {
        foreach (var entries in _byTimeout.Values)
        {
            for (var remaining = entries.Count; remaining > 0; remaining--)
            {
                var entry = entries.Dequeue();
                if (entry.IsLive)
                {
                    entries.Enqueue(entry);
                }
            }
        }

        _entries = _live;
    }

    /// <summary>Attempt <paramref name="Attempt"/> of <paramref name="Run"/>, watched as <paramref name="Watch"/>, times out at <paramref name="At"/> (UTC ticks).</summary>
    private readonly record struct Entry(TRun Run, long Watch, int Attempt, long At)
    {
        public bool IsLive => Run.Watch == Watch;
    }
}

/// <summary>To the queue itself: the earliest attempt deadline has come.</summary>
internal sealed record AttemptDeadlinesDue
{
    public static readonly AttemptDeadlinesDue Instance = new();
}
