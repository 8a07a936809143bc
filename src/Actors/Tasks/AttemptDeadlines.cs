namespace Actors.Tasks;

/// <summary>
/// When running attempts time out, kept by the queue actor without a timer per attempt (which cost about an
/// eighth of the queue's time at full load): one list per timeout, in deadline order since every deadline of
/// a list is "now" plus the same timeout; a node is added and removed in constant time, and one timer watches
/// the earliest deadline of all.
/// </summary>
internal sealed class AttemptDeadlines
{
    private readonly Dictionary<TimeSpan, LinkedList<AttemptDeadline>> _byTimeout = [];

    /// <summary>Watches attempt <paramref name="attempt"/> of <paramref name="taskId"/>: due <paramref name="timeout"/> after <paramref name="now"/>.</summary>
    public LinkedListNode<AttemptDeadline> Add(string taskId, int attempt, TimeSpan timeout, DateTimeOffset now)
    {
        if (!_byTimeout.TryGetValue(timeout, out var list))
        {
            _byTimeout[timeout] = list = new LinkedList<AttemptDeadline>();
        }

        var at = timeout >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + timeout;
        return list.AddLast(new AttemptDeadline(taskId, attempt, at));
    }

    /// <summary>Stops watching an attempt (it ended); nothing if it is no longer watched.</summary>
    public static void Remove(LinkedListNode<AttemptDeadline> node) => node.List?.Remove(node);

    /// <summary>The earliest deadline watched, if any.</summary>
    public DateTimeOffset? Earliest
    {
        get
        {
            DateTimeOffset? earliest = null;
            foreach (var list in _byTimeout.Values)
            {
                if (list.First is { } first && (earliest is null || first.Value.At < earliest))
                {
                    earliest = first.Value.At;
                }
            }

            return earliest;
        }
    }

    /// <summary>Takes the attempts whose deadline has come by <paramref name="now"/> out of the watch.</summary>
    public List<AttemptDeadline> TakeDue(DateTimeOffset now)
    {
        var due = new List<AttemptDeadline>();
        foreach (var list in _byTimeout.Values)
        {
            while (list.First is { } first && first.Value.At <= now)
            {
                due.Add(first.Value);
                list.RemoveFirst();
            }
        }

        return due;
    }
}

/// <summary>Attempt <paramref name="Attempt"/> of <paramref name="TaskId"/> times out at <paramref name="At"/>.</summary>
internal readonly record struct AttemptDeadline(string TaskId, int Attempt, DateTimeOffset At);

/// <summary>To the queue itself: the earliest attempt deadline has come.</summary>
internal sealed record AttemptDeadlinesDue
{
    public static readonly AttemptDeadlinesDue Instance = new();
}
