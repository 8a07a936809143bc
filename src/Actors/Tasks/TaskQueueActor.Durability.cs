using Actors.Common;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

// Durability: with a journal (actors.durability), every event is written; a submit is answered and announced
// only once its acceptance is stored, and it runs only once its start is stored (a start written behind its
// acceptance, in the same transaction when a slot is free at once); on start the queue waits for the journal's
// recovery and resumes each task where it was (waiting ones wait again, running ones run again as a new attempt,
// retries keep their due times). Without one, nothing here does anything.
internal sealed partial class TaskQueueActor
{
    private readonly DurabilitySettings? _persistence;
    private IActorRef? _journal;

    /// <summary>In a cluster on PostgreSQL: the fence this queue holds while it writes the journal (<see cref="SingleWriter.TryFence"/>).</summary>
    private IDisposable? _fence;

    private bool _fenceWaitLogged;

    /// <summary>
    /// Entries and confirmations gathered while one message is handled: they go to the journal as one write once it is handled,
    /// so what one message changed is stored in one transaction (a task's acceptance and its start, when it starts at once).
    /// </summary>
    private List<IStored>? _toJournal;

    private List<object>? _toConfirm;

    private void StartJournal()
    {
        if (_persistence is null)
        {
            return;
        }

        Common.Recovery.Begin(Context, this, Recover);
        if (_remoteExecutors && _persistence.Provider == DurabilityProvider.PostgreSql)
        {
            TryFence();
            return;
        }

        OpenJournal();
    }

    private void OpenJournal()
    {
        // SQLite: a journal of our own, which appends and deletes in one transaction per flush; PostgreSQL: Akka.Persistence.
        var journal = _persistence!.Provider == DurabilityProvider.Sqlite
            ? SqliteTaskJournal.Props(_persistence, _settings.KeepFinished, Context.System)
            : TaskJournal.Props(_persistence.SnapshotInterval, _settings.KeepFinished);
        _journal = Context.ActorOf(journal, "journal");
        Context.Watch(_journal);
    }

    /// <summary>Takes the fence off the actor's thread (a database round trip); answered with <see cref="FenceTaken"/> or <see cref="FenceBusy"/>.</summary>
    private void TryFence() => JournalFence.TryTake(_persistence!, "tasks", Self);

    private void OnFenceBusy(FenceBusy busy) => JournalFence.RetryLater(busy, Timers, _log, ref _fenceWaitLogged, "task journal", "queue");

    protected override void PostStop()
    {
        UncountWaiting();
        _fence?.Dispose();
        base.PostStop();
    }

    /// <summary>Until the journal has replayed, every message waits.</summary>
    private bool Recover(object message)
    {
        switch (message)
        {
            case TasksRecovered recovered:
                Restore(recovered);
                Common.Recovery.End(Context, this);
                return true;
            case FenceTaken taken:
                _fence = taken.Fence;
                OpenJournal();
                return true;
            case FenceBusy busy:
                OnFenceBusy(busy);
                return true;
            case FenceRetry:
                TryFence();
                return true;
            case Terminated terminated when terminated.ActorRef.Equals(_journal):
                OnJournalFailed();
                return true;
            case GetTaskQueueStatus:
                Sender.Tell(new TaskQueueStatus(false, "Recovering from the journal: submits wait until it has replayed."));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes the acceptance of a task (with its input); false, having answered the submitter, if the input cannot be stored.</summary>
    private bool TryJournalAccepted(TaskQueued queued, SubmitTask submit, TaskDefinition definition)
    {
        if (_journal is null)
        {
            return true;
        }

        IStored entry;
        try
        {
            entry = TaskJournalCodec.Encode(queued, submit.Input, definition.InputType, submit.Upstream, submit.TraceParent)!;
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
        {
            Reject(SubmitRejection.InvalidInput, $"input: it cannot be stored as JSON ({e.Message}).");
            return false;
        }

        ToJournal(entry, new SubmitDurable(queued.TaskId));
        return true;
    }

    /// <summary>Adds to the write that goes to the journal once the message being handled is (<see cref="SendToJournal"/>).</summary>
    private void ToJournal(IStored? entry, object? confirmation)
    {
        if (entry is not null)
        {
            (_toJournal ??= []).Add(entry);
        }

        if (confirmation is not null)
        {
            (_toConfirm ??= []).Add(confirmation);
        }
    }

    private void SendToJournal()
    {
        if (_toJournal is null && _toConfirm is null)
        {
            return;
        }

        _journal!.Tell(new WriteTaskEntries(_toJournal ?? (IReadOnlyList<IStored>)[], _toConfirm));
        _toJournal = null;
        _toConfirm = null;
    }

    /// <summary>Writes an event (progress is not stored); true if <paramref name="confirmation"/> will be told to the queue once it is stored.</summary>
    private bool Journal(TaskRun run, TaskEvent taskEvent, object? confirmation)
    {
        if (_journal is null)
        {
            return false;
        }

        IStored? entry;
        try
        {
            entry = TaskJournalCodec.Encode(taskEvent);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
        {
            _log.Warning("The result of task {0} cannot be stored as JSON ({1}); it is stored without it", run.Record.Id, e.Message);
            entry = TaskJournalCodec.Encode(((TaskCompleted)taskEvent) with { Result = null });
        }

        if (entry is null)
        {
            return false;
        }

        ToJournal(entry, confirmation);
        return confirmation is not null;
    }

    private void OnSubmitDurable(string taskId)
    {
        if (_tasks.TryGetValue(taskId, out var run) && !run.Durable)
        {
            run.Durable = true;
            Accepted(run);
        }
    }

    /// <summary>
    /// What watchers of a task may see: its record, or, until its acceptance is stored, the record it was accepted with (what
    /// happened since is announced once it is stored, <see cref="TaskRun.HeldEvents"/>).
    /// </summary>
    private static TaskRecord AnnouncedRecord(TaskRun run) => run.HeldEvents is null ? run.Record : TaskRecord.Start(run.Queued!);

    /// <summary>
    /// A write failed and the journal stopped: submits not yet stored are refused, and the queue fails so
    /// that its supervisor restarts it (with backoff) from what the journal holds.
    /// </summary>
    private void OnJournalFailed()
    {
        foreach (var run in _tasks.Values.Where(t => !t.Durable))
        {
            foreach (var (submitter, _) in run.AwaitingDurable ?? [])
            {
                var reason = $"Task {run.Record.Id} could not be stored, so it was not accepted; submit it again.";
                submitter.TellOrLog(new SubmitRejected(SubmitRejection.StorageFailed, reason), _log, reason);
            }
        }

        throw new InvalidOperationException("The task journal failed; the task queue restarts from what it stored.");
    }

    /// <summary>Rebuilds every kept task from its entries and resumes the unfinished ones.</summary>
    private void Restore(TasksRecovered recovered)
    {
        var resumed = new List<TaskRun>();
        _tasks.EnsureCapacity(_tasks.Count + recovered.Tasks.Count);
        foreach (var entries in recovered.Tasks)
        {
            if (RestoreOne(entries) is not { } run)
            {
                continue;
            }

            _tasks[run.Record.Id] = run;
            _nextId = Math.Max(_nextId, TaskIds.TryNumber(run.Record.Id, out var number) ? number : 0);
            if (run.Record.IdempotencyKey is { } key)
            {
                _byKey[(run.Record.Type, key)] = run.Record.Id;
            }

            if (run.Record.IsTerminal)
            {
                Forget(run);
            }
            else
            {
                _unfinished++;
                resumed.Add(run);
            }
        }

        // The journal hands tasks over in the order they were accepted, so this is nearly always in order already (the
        // sort is a stable one: tasks accepted within one clock tick keep the journal's order).
        foreach (var run in IsInQueueOrder(resumed) ? resumed : (IEnumerable<TaskRun>)resumed.OrderBy(r => r.Record.QueuedAt))
        {
            Resume(run);
        }

        if (_unclaimed is { Count: > 0 })
        {
            Timers.StartSingleTimer(ClaimWindowEnded.Instance, ClaimWindowEnded.Instance, _settings.ClaimWindow);
        }

        _log.Info("Task queue restored {0} tasks; resumed {1} unfinished", _tasks.Count, resumed.Count);
    }

    private static bool IsInQueueOrder(List<TaskRun> runs)
    {
        for (var i = 1; i < runs.Count; i++)
        {
            if (runs[i].Record.QueuedAt < runs[i - 1].Record.QueuedAt)
            {
                return false;
            }
        }

        return true;
    }

    private TaskRun? RestoreOne(IReadOnlyList<IStored> entries)
    {
        if (entries is not [TaskAcceptedV1 accepted, ..])
        {
            return null;
        }

        var record = TaskRecord.Start((TaskQueued)TaskJournalCodec.Decode(accepted));
        for (var i = 1; i < entries.Count; i++)
        {
            try
            {
                record = record.Apply(TaskJournalCodec.Decode(entries[i]));
            }
            catch (InvalidTaskTransitionException e)
            {
                _log.Error(e, "Skipped a stored event that does not follow from task {0}'s record", record.Id);
            }
        }

        if (!_definitions.TryGetValue(accepted.Type, out var definition))
        {
            definition = TaskDefinition.Create<object?, object?>(accepted.Type, (_, _) => throw new InvalidOperationException("not registered"), TaskPresets.Analysis);
            return new TaskRun(definition, null, record) { Durable = true, Unregistered = true, InputFingerprint = FingerprintIfKeyed(accepted) };
        }

        object? input = null;
        try
        {
            input = TaskJournalCodec.Input(accepted, definition.InputType);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            _log.Error(e, "The stored input of task {0} no longer fits {1}", record.Id, definition.InputType.Name);
        }

        return new TaskRun(definition, input, record) { Durable = true, InputFingerprint = FingerprintIfKeyed(accepted), Upstream = TaskJournalCodec.Upstream(accepted),
            TraceParent = accepted.TraceParent };
    }

    /// <summary>Only a task with an idempotency key is ever compared by input: the others skip a hash of their input at every restart.</summary>
    private static string? FingerprintIfKeyed(TaskAcceptedV1 accepted) => accepted.IdempotencyKey is null ? null : TaskJournalCodec.Fingerprint(accepted.Input);

    /// <summary>
    /// Waiting: to its lane again. Running: its attempt was cut off, so it runs again as a new one (in a
    /// cluster, unless an executor still running it claims it within the claim window). Retry-waiting: at its due time.
    /// </summary>
    private void Resume(TaskRun run)
    {
        var record = run.Record;
        if (run.Unregistered)
        {
            Apply(run, new TaskFailed(record.Id, record.Type, new TaskError($"Task type '{record.Type}' is no longer registered.", TaskErrorClass.Fatal,
                SuggestedAction: "Register the type again, or submit the work as another type."), record.Attempts, null, Now));
            return;
        }

        switch (record.Status)
        {
            case TaskState.Waiting:
                SendRun(run);
                break;
            case TaskState.Running when _remoteExecutors:
                (_unclaimed ??= []).Add(record.Id);
                break;
            case TaskState.Running:
                // At least once: the attempt may have done part of its work; the handler sees the next attempt number and the idempotency key.
                Apply(run, new TaskFailed(record.Id, record.Type, new TaskError($"The service stopped while attempt {record.Attempts} ran; it runs again.", TaskErrorClass.Retryable),
                    record.Attempts, Now, Now));
                SendRun(run);
                break;
            case TaskState.RetryWaiting:
                var due = (record.RetryAt ?? Now) - Now;
                Timers.StartSingleTimer((record.Id, "retry"), new RetryDue(record.Id), due > TimeSpan.Zero ? due : TimeSpan.Zero);
                break;
        }
    }
}

/// <summary>From the journal: the acceptance of a task is stored.</summary>
internal sealed record SubmitDurable(string TaskId);
