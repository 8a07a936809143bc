namespace Actors.Tasks;

/// <summary>
/// A group's waiting attempts, most urgent first and in arrival order within a priority: one first-in-first-out queue per
/// priority (1 to 10), so that adding and taking cost the same however many wait. A binary heap of 100,000 waiting tasks
/// cost every start a walk of 17 levels through a 2 MB array. Each item keeps its arrival number, by which the queue
/// actor compares the heads of different groups.
/// </summary>
/// <typeparam name="T">What waits.</typeparam>
internal sealed class TaskWaitingQueue<T>
{
    private readonly Queue<(T Item, long Arrival)>?[] _byPriority = new Queue<(T Item, long Arrival)>?[TaskPriority.Highest + 1];

    /// <summary>No queue above this priority holds anything.</summary>
    private int _highest;

    /// <summary>How many wait.</summary>
    public int Count { get; private set; }

    /// <summary>Everything waiting, in no particular order.</summary>
    public IEnumerable<T> Items => _byPriority.Where(q => q is not null).SelectMany(q => q!.Select(entry => entry.Item));

    /// <param name="item">What waits.</param>
    /// <param name="priority">Its priority, <see cref="TaskPriority.Lowest"/> to <see cref="TaskPriority.Highest"/>.</param>
    /// <param name="arrival">Its place in the order of arrivals (of every group).</param>
    public void Enqueue(T item, int priority, long arrival)
    {
        TaskPriority.Validate(priority);
        (_byPriority[priority] ??= new Queue<(T Item, long Arrival)>()).Enqueue((item, arrival));
        _highest = Math.Max(_highest, priority);
        Count++;
    }

    /// <summary>The most urgent item and its order (minus its priority, then its arrival: lower goes first); false if none waits.</summary>
    public bool TryPeek(out T item, out (int Urgency, long Arrival) order)
    {
        if (Head() is { } head && head.TryPeek(out var entry))
        {
            (item, order) = (entry.Item, (-_highest, entry.Arrival));
            return true;
        }

        (item, order) = (default!, default);
        return false;
    }

    /// <summary>Takes the most urgent item.</summary>
    /// <exception cref="InvalidOperationException">None waits.</exception>
    public T Dequeue()
    {
        var head = Head() ?? throw new InvalidOperationException("No attempt is waiting.");
        Count--;
        return head.Dequeue().Item;
    }

    /// <summary>The queue of the highest priority that holds anything; null if none does.</summary>
    private Queue<(T Item, long Arrival)>? Head()
    {
        if (Count == 0)
        {
            return null;
        }

        while (_byPriority[_highest] is not { Count: > 0 })
        {
            _highest--;
        }

        return _byPriority[_highest];
    }
}
