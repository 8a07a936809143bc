using Actors.Tasks;

namespace Actors.Host.Events;

/// <summary>
/// One server-sent-events client's waiting events: bounded, with a task's progress coalesced (a newer
/// report replaces the one still waiting) and nothing else ever dropped. A client whose buffer fills
/// cannot keep up: the buffer closes and the client is disconnected.
/// </summary>
internal sealed class EventBuffer(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<Slot> _waiting = new();
    private readonly Dictionary<string, Slot> _progressByTask = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _overflowed = new();

    /// <summary>Fires when the client fell too far behind and must be disconnected.</summary>
    public CancellationToken Overflowed => _overflowed.Token;

    /// <summary>How many events wait.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Adds an event (called by the subscriber actor). Returns false once the buffer has overflowed.</summary>
    public bool Offer(object feedEvent)
    {
        lock (_gate)
        {
            if (_overflowed.IsCancellationRequested)
            {
                return false;
            }

            if (feedEvent is TaskProgress progress && _progressByTask.TryGetValue(progress.TaskId, out var pending))
            {
                pending.Event = progress;
                return true;
            }

            if (_waiting.Count >= capacity)
            {
                _overflowed.Cancel();
                return false;
            }

            var slot = new Slot(feedEvent);
            _waiting.Enqueue(slot);
            if (feedEvent is TaskProgress coalescible)
            {
                _progressByTask[coalescible.TaskId] = slot;
            }
        }

        _available.Release();
        return true;
    }

    /// <summary>The next event, waiting up to <paramref name="timeout"/>; null if none came.</summary>
    public async Task<object?> TakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await _available.WaitAsync(timeout, cancellationToken))
        {
            return null;
        }

        lock (_gate)
        {
            var slot = _waiting.Dequeue();
            if (slot.Event is TaskProgress progress && _progressByTask.TryGetValue(progress.TaskId, out var pending) && ReferenceEquals(pending, slot))
            {
                _progressByTask.Remove(progress.TaskId);
            }

            return slot.Event;
        }
    }

    /// <summary>A waiting event; a progress slot's event is replaced by newer progress of the same task.</summary>
    private sealed class Slot(object feedEvent)
    {
        public object Event { get; set; } = feedEvent;
    }
}
