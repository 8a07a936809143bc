using Akka;
using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

// Expiry, watching, forgetting finished records, and draining for shutdown.
internal sealed partial class TaskQueueActor
{
    /// <summary>How long a hand-over waits for the journal before the queue stops anyway.</summary>
    internal static readonly TimeSpan HandOverLimit = TimeSpan.FromSeconds(5);

    private List<IActorRef>? _drainWaiters;

    /// <summary>The queue is handing over to another node: it takes no submits and starts nothing.</summary>
    private bool _handingOver;

    private void HandOver()
    {
        _log.Info("The task queue hands over to the next node: it takes no more submits, and stops once its journal has stored what it wrote");
        _handingOver = true;
        _draining = true;
        if (_journal is null)
        {
            Context.Stop(Self);
            return;
        }

        ToJournal(null, HandOverReady.Instance);
        Timers.StartSingleTimer(HandOverReady.Instance, HandOverReady.Instance, HandOverLimit);
    }

    private void OnExpired(string taskId)
    {
        if (_tasks.TryGetValue(taskId, out var run) && run.Record.Status == TaskState.Waiting)
        {
            run.TimeToLiveSet = false;
            Apply(run, new TaskFailed(taskId, run.Record.Type, new TaskError(
                $"The task waited longer than its time to live ({Now - run.Record.QueuedAt:g}) without starting; it expired.", TaskErrorClass.Fatal,
                SuggestedAction: "Submit it again, with a longer time to live or a higher priority."), run.Record.Attempts, null, Now));
        }
    }

    private void Watch(WatchTask watch)
    {
        var run = _tasks.GetValueOrDefault(watch.TaskId ?? string.Empty);
        watch.Subscriber.Tell(new TaskRecordReply(watch.TaskId ?? string.Empty, run is null ? _completed.Find(watch.TaskId) : AnnouncedRecord(run)));
        if (run is not null && (!run.Record.IsTerminal || !run.Durable))
        {
            (run.Watchers ??= []).Add(watch.Subscriber);
        }
    }

    /// <summary>
    /// Keeps at most <c>keep-finished</c> finished records; forgets the oldest (and their keys). A completed task that
    /// needs nothing but its record is kept as an entry of <see cref="_completed"/> instead of its run.
    /// </summary>
    private void Forget(TaskRun finished)
    {
        var id = finished.Record.Id;
        if (finished is { Record.IdempotencyKey: null, ShareKey: null, RunningOn: null, Unregistered: false } && _completed.TryAdd(finished.Record, out var number))
        {
            _tasks.Remove(id);
            _finished.Enqueue(new FinishedTask(number, null));
        }
        else
        {
            _finished.Enqueue(new FinishedTask(0, id));
        }

        while (_finished.Count > _settings.KeepFinished)
        {
            var oldest = _finished.Dequeue();
            if (oldest.Id is null)
            {
                _completed.Remove(oldest.Number);
                continue;
            }

            if (!_tasks.Remove(oldest.Id, out var forgotten))
            {
                continue;
            }

            if (forgotten.Record.IdempotencyKey is { } key)
            {
                _byKey.Remove((forgotten.Record.Type, key));
            }

            if (forgotten.ShareKey is { } shareKey && _byInput.TryGetValue((forgotten.Record.Type, shareKey), out var sharedId) && sharedId == oldest.Id)
            {
                _byInput.Remove((forgotten.Record.Type, shareKey));
            }

            if (forgotten.RunningOn is not null)
            {
                _forgottenRunning[oldest.Id] = forgotten;
            }
        }

        Common.Collections.ShrinkAfterBacklog(_tasks);
    }

    /// <summary>Shutdown: intake stops, lanes start nothing new, running tasks get the grace period.</summary>
    private void Drain()
    {
        (_drainWaiters ??= []).Add(Sender);
        if (!_draining)
        {
            _draining = true;
            Timers.StartSingleTimer(GraceEnded.Instance, GraceEnded.Instance, _settings.ShutdownGrace);
        }

        ReplyIfDrained();
    }

    /// <summary>
    /// The grace period is over: running tasks' tokens fire. Without a journal they are recorded cancelled;
    /// with one they stay running in it, so that they run again after the restart (nothing accepted is lost).
    /// </summary>
    private void CancelRunningForShutdown()
    {
        foreach (var run in _tasks.Values.Where(t => t.Record.Status == TaskState.Running).ToList())
        {
            if (_journal is not null)
            {
                run.CutOffForShutdown = true;
                CancelAttempt(run);
                continue;
            }

            CancelAttempt(run);
            Apply(run, new TaskCancelled(run.Record.Id, run.Record.Type, "The service shut down before the task finished.", Now));
        }

        foreach (var run in _tasks.Values.Where(t => t.Record.Status == TaskState.RetryWaiting))
        {
            Timers.Cancel((run.Record.Id, "retry"));
        }

        ReplyIfDrained(graceOver: true);
    }

    /// <summary>Tells the drain requesters once no handler runs (or the grace period is over).</summary>
    private void ReplyIfDrained(bool graceOver = false)
    {
        if (_drainWaiters is null || (_runningAttempts > 0 && !graceOver))
        {
            return;
        }

        Timers.Cancel(GraceEnded.Instance);
        _drainWaiters.ForEach(waiter => waiter.Tell(Done.Instance));
        _drainWaiters.Clear();
    }
}

/// <summary>
/// In a cluster, from the singleton manager when the queue's node leaves: the queue stops taking submits and
/// starting attempts, waits until what it has written is stored (at most <see cref="TaskQueueActor.HandOverLimit"/>),
/// and stops, so that its successor replays everything and adopts the attempts still running on the executors.
/// </summary>
internal sealed record HandOverTasks
{
    public static readonly HandOverTasks Instance = new();
}

/// <summary>What the queue has written is stored (or the hand-over limit passed): it may stop.</summary>
internal sealed record HandOverReady
{
    public static readonly HandOverReady Instance = new();
}

/// <summary>Begins shutdown; the queue answers <see cref="Done"/> when no handler runs any more, or after the grace period.</summary>
internal sealed record DrainTasks
{
    public static readonly DrainTasks Instance = new();
}

/// <summary>The shutdown grace period has passed.</summary>
internal sealed record GraceEnded
{
    public static readonly GraceEnded Instance = new();
}

/// <summary>
/// A finished task in the order records are forgotten: the number of one kept in <see cref="CompletedTasks"/> (and no id, so that
/// the queue of them holds nothing a collection must copy), or the id of one whose run is kept.
/// </summary>
internal readonly record struct FinishedTask(long Number, string? Id);

/// <summary>A waiting task's time to live has passed.</summary>
internal sealed record TaskExpired(string TaskId);
