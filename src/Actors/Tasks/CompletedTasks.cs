namespace Actors.Tasks;

/// <summary>
/// Completed tasks kept for lookups (within <c>keep-finished</c>) as plain entries keyed by the number in their id, rather
/// than as task runs. A kept run was a run, a record, an id string and the result (10,000 no-op tasks, the default window,
/// kept 3.6–4.4 MB) that every young collection found alive and copied; an entry leaves it only the result to copy
/// (decision 0025). A record is made again when one is asked for.
/// </summary>
/// <remarks>Only a completed task without an idempotency key or shared result is kept here: the others keep their run, which they still need (a failed or cancelled task keeps its input to be retried).</remarks>
internal sealed class CompletedTasks
{
    private readonly Dictionary<long, Entry> _entries = [];

    /// <summary>Keeps a completed task's record, under the number in its id; false (and nothing kept) if its id is not of the queue's form.</summary>
    public bool TryAdd(TaskRecord record, out long number)
    {
        number = 0;
        if (record.Status != TaskState.Completed || !TaskIds.TryNumber(record.Id, out number))
        {
            return false;
        }

        _entries[number] = new Entry(record);
        return true;
    }

    /// <summary>Forgets the task numbered <paramref name="number"/>.</summary>
    public bool Remove(long number) => _entries.Remove(number);

    /// <summary>The record of a kept task, or null.</summary>
    public TaskRecord? Find(string? id) =>
        id is not null && TaskIds.TryNumber(id, out var number) && _entries.TryGetValue(number, out var entry) ? entry.ToRecord(number) : null;

    /// <summary>The <paramref name="limit"/> most recently queued, newest first (only those are made into records).</summary>
    public IEnumerable<TaskRecord> Newest(int limit) =>
        _entries.OrderByDescending(pair => pair.Value.QueuedAt).Take(limit).Select(pair => pair.Value.ToRecord(pair.Key));

    /// <summary>What a completed record holds that is not the same for all of them.</summary>
    private readonly struct Entry(TaskRecord record)
    {
        private const long NoTime = -1;

        private readonly string _type = record.Type;
        private readonly string? _node = record.Node;
        private readonly object? _result = record.Result;
        private readonly long _startedAt = record.StartedAt?.UtcTicks ?? NoTime;
        private readonly long _endedAt = record.EndedAt?.UtcTicks ?? NoTime;
        private readonly double _progress = record.Progress;
        private readonly int _priority = record.Priority;
        private readonly int _attempts = record.Attempts;

        public long QueuedAt { get; } = record.QueuedAt.UtcTicks;

        public TaskRecord ToRecord(long number) => TaskRecord.Restore(TaskIds.Of(number), _type, _priority, idempotencyKey: null, At(QueuedAt)!.Value,
            TaskState.Completed, _attempts, _progress, _result, error: null, retryAt: null, At(_startedAt), At(_endedAt), _node);

        private static DateTimeOffset? At(long ticks) => ticks == NoTime ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
