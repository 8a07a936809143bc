using Akka;
using Akka.Actor;

namespace Actors.Tasks;

// Expiry, watching, forgetting finished records, and draining for shutdown.
internal sealed partial class TaskQueueActor
{
    private List<IActorRef>? _drainWaiters;

    private void OnExpired(string taskId)
    {
        if (_tasks.TryGetValue(taskId, out var run) && run.Record.Status == TaskState.Waiting)
        {
            Apply(run, new TaskFailed(taskId, run.Record.Type, new TaskError(
                $"The task waited longer than its time to live ({Now - run.Record.QueuedAt:g}) without starting; it expired.", TaskErrorClass.Fatal,
                SuggestedAction: "Submit it again, with a longer time to live or a higher priority."), run.Record.Attempts, null, Now));
        }
    }

    private void Watch(WatchTask watch)
    {
        var run = _tasks.GetValueOrDefault(watch.TaskId ?? string.Empty);
        watch.Subscriber.Tell(new TaskRecordReply(watch.TaskId ?? string.Empty, run?.Record));
        if (run is not null && !run.Record.IsTerminal)
        {
            (run.Watchers ??= []).Add(watch.Subscriber);
        }
    }

    /// <summary>Keeps at most <c>keep-finished</c> finished records; forgets the oldest (and their keys).</summary>
    private void Forget(string finishedId)
    {
        _finished.Enqueue(finishedId);
        while (_finished.Count > _settings.KeepFinished)
        {
            var oldest = _finished.Dequeue();
            if (!_tasks.Remove(oldest, out var forgotten))
            {
                continue;
            }

            if (forgotten.Record.IdempotencyKey is { } key)
            {
                _byKey.Remove((forgotten.Record.Type, key));
            }

            if (forgotten.RunningOn is not null)
            {
                _forgottenRunning[oldest] = forgotten;
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
        _graceOver = true;
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

/// <summary>A waiting task's time to live has passed.</summary>
internal sealed record TaskExpired(string TaskId);
