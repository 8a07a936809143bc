using Actors.Common;
using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

/// <summary>
/// Owns every task's record. Each change is a <see cref="TaskEvent"/> applied with
/// <see cref="TaskRecord.Apply"/> and published on the event stream. Schedules every attempt (waiting tasks
/// wait here; see <c>TaskQueueActor.Slots.cs</c>); lanes (one per type, on each executor: see <c>TaskQueueActor.Executors.cs</c>) only run them and report back. Decides retries (backoff on the scheduler, so virtual time drives it in
/// tests), cuts off attempts at their timeout, and answers submitters within their wait window.
/// </summary>
/// <remarks>
/// Two attempts of one task never run at once: after a timeout the failure is recorded at once, but the
/// next attempt is sent only when both its backoff has passed and the timed-out handler has returned.
/// </remarks>
internal sealed partial class TaskQueueActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly Dictionary<string, TaskDefinition> _definitions;
    private readonly Dictionary<string, TaskRun> _tasks = new(StringComparer.Ordinal);
    private readonly TaskQueueSettings _settings;
    private readonly Random _jitter = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Publishes on every node's event stream (in a cluster, through <see cref="Common.ClusterEvents"/>).</summary>
    private readonly Action<object> _publish = Common.ClusterEvents.PublisherFor(Context, TaskQueue.EventTopic);

    /// <summary>Task ids by type and idempotency key (a key is scoped to its type), while their records are kept.</summary>
    private readonly Dictionary<(string Type, string Key), string> _byKey = [];

    /// <summary>With result sharing: the task of each input (by type and input fingerprint), while it may be shared.</summary>
    private readonly Dictionary<(string Type, string Input), string> _byInput = [];

    /// <summary>Finished tasks, oldest first, so the oldest records are forgotten first.</summary>
    private readonly Queue<FinishedTask> _finished = new();

    /// <summary>The kept completed tasks that need nothing but their record (the others stay in <see cref="_tasks"/>).</summary>
    private readonly CompletedTasks _completed = new();

    /// <summary>Shutdown has begun: no new tasks, no more attempts started.</summary>
    private bool _draining;

    private long _nextId;

    private readonly IScheduler _scheduler = Context.System.Scheduler;

    /// <summary>Running attempts' timeouts, and when the one timer that watches them fires (null: none set).</summary>
    private readonly AttemptDeadlines<TaskRun> _deadlines = new();
    private DateTimeOffset? _deadlineTimerAt;

    /// <summary>The message time (<see cref="Now"/>), once read.</summary>
    private DateTimeOffset? _messageTime;

    /// <summary>Tasks not yet ended (for the capacity).</summary>
    private int _unfinished;

    /// <summary>Attempts run on the executors of every node (a cluster) rather than on lanes of its own.</summary>
    private readonly bool _remoteExecutors;

    public TaskQueueActor(IReadOnlyCollection<TaskDefinition> definitions, TaskQueueSettings settings, Durability.DurabilitySettings? persistence = null,
        bool remoteExecutors = false)
    {
        _definitions = definitions.ToDictionary(d => d.Type, StringComparer.Ordinal);
        _settings = settings;
        _persistence = persistence is { IsDurable: true } ? persistence : null;
        _remoteExecutors = remoteExecutors;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    /// <param name="definitions">The task types.</param>
    /// <param name="settings">Limits and timings.</param>
    /// <param name="persistence">Its journal; null or not durable for none.</param>
    /// <param name="remoteExecutors">In a cluster: attempts run on the executors that register (one per node), not on lanes of the queue's own.</param>
    public static Props Props(IReadOnlyCollection<TaskDefinition> definitions, TaskQueueSettings settings, Durability.DurabilitySettings? persistence = null,
        bool remoteExecutors = false) =>
        Akka.Actor.Props.Create(() => new TaskQueueActor(definitions, settings, persistence, remoteExecutors));

    protected override void PreStart()
    {
        StartGroups();
        StartLoadShedding();
        if (!_remoteExecutors)
        {
            StartOwnLanes();
        }

        StartJournal();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SubmitTask submit:
                Submit(submit);
                break;
            case StartStored stored:
                OnStartStored(stored);
                break;
            case TaskLane.Signal signal:
                OnLaneSignal(signal);
                break;
            case AttemptEnded ended:
                OnEnded(ended);
                break;
            case ProgressReported progress:
                OnProgress(progress);
                break;
            case FlushProgress flush:
                Flush(flush.TaskId);
                break;
            case AttemptDeadlinesDue:
                OnDeadlinesDue();
                break;
            case RetryDue due:
                OnRetryDue(due.TaskId);
                break;
            case RatePeriodPassed:
                OnRatePeriodPassed();
                break;
            case LoadSampleDue:
                OnLoadSampleDue();
                break;
            case CircuitOpenPeriodEnded ended:
                OnCircuitOpenPeriodEnded(ended.Group);
                break;
            case TaskLaneActor.GetRunningAttempts:
                Sender.Tell(new TaskLaneActor.RunningAttempts(_ownLanes?.Values.SelectMany(lane => lane.RunningAttempts()).ToList() ?? [], []));
                break;
            case GetTaskTypeHealth:
                Sender.Tell(TypeHealth());
                break;
            case CancelTask cancel:
                Cancel(cancel);
                break;
            case RetryTask retry:
                Retry(retry);
                break;
            case GetTask get:
                Sender.Tell(new TaskRecordReply(get.TaskId, RecordOf(get.TaskId)));
                break;
            case GetTaskQueueStatus:
                Sender.Tell(_draining
                    ? new TaskQueueStatus(false, "Shutting down: no new tasks are accepted.")
                    : new TaskQueueStatus(true, $"Accepting tasks: {_unfinished} unfinished of a capacity of {_settings.Capacity}."));
                break;
            case ListTasks list:
                Sender.Tell(List(list));
                break;
            case WatchTask watch:
                Watch(watch);
                break;
            case TaskExpired expired:
                OnExpired(expired.TaskId);
                break;
            case DrainTasks:
                Drain();
                break;
            case GraceEnded:
                CancelRunningForShutdown();
                break;
            case WaitEnded waitEnded:
                OnWaitEnded(waitEnded);
                break;
            case SubmitDurable durable:
                OnSubmitDurable(durable.TaskId);
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_journal):
                OnJournalFailed();
                break;
            case RegisterExecutor register:
                OnRegister(register);
                break;
            case ExecutorLeaving leaving:
                OnExecutorLeaving(leaving.Executor);
                break;
            case ExecutorLeft left:
                OnExecutorGone(left.Executor);
                break;
            case Terminated terminated:
                OnExecutorGone(terminated.ActorRef);
                break;
            case ClaimWindowEnded:
                OnClaimWindowEnded();
                break;
            case HandOverTasks:
                HandOver();
                break;
            case HandOverReady:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <remarks>Not inline in <see cref="OnReceive"/>: its lambdas' closure would be made for every message.</remarks>
    private TaskList List(ListTasks list)
    {
        var limit = Math.Max(0, list.Limit);
        var completed = list.Status is null or TaskState.Completed ? _completed.Newest(limit) : [];
        return new(_tasks.Values.Select(t => t.Record).Where(r => list.Status is null || r.Status == list.Status).Concat(completed)
            .OrderByDescending(r => r.QueuedAt).Take(limit).ToArray());
    }

    /// <summary>A kept task's record, or null.</summary>
    private TaskRecord? RecordOf(string? taskId) => _tasks.GetValueOrDefault(taskId ?? string.Empty)?.Record ?? _completed.Find(taskId);

    private void Submit(SubmitTask submit)
    {
        if (_handingOver)
        {
            Reject(SubmitRejection.ShuttingDown, "The task queue is moving to another node (its node is leaving the cluster); submit again in a moment.");
            return;
        }

        if (_draining)
        {
            Reject(SubmitRejection.ShuttingDown, "The service is shutting down and takes no new tasks; submit again once it is back.");
            return;
        }

        if (!_definitions.TryGetValue(submit.Type ?? string.Empty, out var definition))
        {
            Reject(SubmitRejection.UnknownType,
                $"No task type '{submit.Type}' is registered; known types: {string.Join(", ", _definitions.Keys.Order())}.");
            return;
        }

        if (SubmitProblem(submit, definition) is { } problem)
        {
            Reject(SubmitRejection.InvalidInput, problem);
            return;
        }

        string? fingerprint = null;
        if (submit.IdempotencyKey is { } key)
        {
            fingerprint = FingerprintOrReject(submit.Input, definition);
            if (fingerprint is null)
            {
                return;
            }

            if (_byKey.TryGetValue((definition.Type, key), out var existingId))
            {
                AnswerReuse(_tasks[existingId], key, fingerprint, submit.Wait, submit.Watcher);
                return;
            }
        }

        string? shareKey = null;
        if (definition.Settings.Sharing is { } sharing)
        {
            shareKey = fingerprint ?? FingerprintOrReject(submit.Input, definition);
            if (shareKey is null)
            {
                return;
            }

            if (SharedRun(definition.Type, shareKey, sharing) is { } shared)
            {
                AnswerWhenDurable(shared, submit.Wait, Sender);
                WatchOnSubmit(shared, submit.Watcher);
                return;
            }
        }

        if (_unfinished >= _settings.Capacity)
        {
            Reject(SubmitRejection.QueueFull, $"The queue holds {_unfinished} unfinished tasks, its capacity (actors.tasks.capacity); try again later.");
            return;
        }

        var id = TaskIds.Of(++_nextId);
        var queued = new TaskQueued(id, definition.Type, submit.Priority, definition.Settings.EstimatedDuration, submit.IdempotencyKey, Now);
        if (!TryJournalAccepted(queued, submit, definition))
        {
            return;
        }

        var run = new TaskRun(definition, submit.Input, TaskRecord.Start(queued))
        {
            Queued = queued, Durable = _journal is null, InputFingerprint = fingerprint, Upstream = submit.Upstream, TraceParent = submit.TraceParent,
            Watchers = submit.Watcher is { } watcher ? [watcher] : null,
        };
        _tasks.Add(id, run);
        _unfinished++;
        if (submit.IdempotencyKey is { } newKey)
        {
            _byKey.Add((definition.Type, newKey), id);
        }

        if (shareKey is not null)
        {
            _byInput[(definition.Type, shareKey)] = id;
            run.ShareKey = shareKey;
        }

        if ((submit.TimeToLive ?? _settings.TimeToLive) is { } ttl)
        {
            Timers.StartSingleTimer((id, "ttl"), new TaskExpired(id), ttl);
            run.TimeToLiveSet = true;
        }

        AnswerWhenDurable(run, submit.Wait, Sender);
        if (run.Durable)
        {
            Accepted(run);
        }

        // With a journal it waits (or starts) at once: its start is written behind its acceptance, in the same write when a
        // slot is free, and it runs only once that is stored, so one commit both accepts and starts it.
        SendRun(run);
    }

    /// <summary>The task an identical input may share (<see cref="TaskResultSharing"/>): one not ended, or one completed within the TTL.</summary>
    private TaskRun? SharedRun(string type, string shareKey, TaskResultSharing sharing)
    {
        if (!_byInput.TryGetValue((type, shareKey), out var id) || !_tasks.TryGetValue(id, out var run))
        {
            return null;
        }

        var record = run.Record;
        if (!record.IsTerminal || record.Status == TaskState.Completed && record.EndedAt + (sharing.Ttl ?? TimeSpan.Zero) >= Now && sharing.Ttl > TimeSpan.Zero)
        {
            return run;
        }

        _byInput.Remove((type, shareKey));
        return null;
    }

    /// <summary>A key seen before: the same input gets the first task; another input is a conflict, never the first task's answer.</summary>
    private void AnswerReuse(TaskRun existing, string key, string fingerprint, TimeSpan? wait, IActorRef? watcher)
    {
        if (existing.InputFingerprint != fingerprint)
        {
            Reject(SubmitRejection.IdempotencyConflict,
                $"Idempotency key '{key}' was used for {existing.Record.Id} with another input; send the same input to get that task, or use a new key.");
            return;
        }

        AnswerWhenDurable(existing, wait, Sender);
        WatchOnSubmit(existing, watcher);
    }

    /// <summary>A submit that got an earlier task, with a watcher: it watches that task.</summary>
    private void WatchOnSubmit(TaskRun existing, IActorRef? watcher)
    {
        if (watcher is not null)
        {
            Watch(new WatchTask(existing.Record.Id, watcher));
        }
    }

    /// <summary>The input's fingerprint for its idempotency key; null, having answered the submitter, if it cannot be serialized.</summary>
    private string? FingerprintOrReject(object? input, TaskDefinition definition)
    {
        try
        {
            return TaskJournalCodec.Fingerprint(input, definition.InputType);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
        {
            Reject(SubmitRejection.InvalidInput, $"input: with an idempotency key the input must serialize to JSON ({e.Message}).");
            return null;
        }
    }

    /// <summary>
    /// The task is stored (or nothing is stored): it is announced, with what happened to it meanwhile (its start, or its
    /// cancellation), in order, and its submitters are answered.
    /// </summary>
    private void Accepted(TaskRun run)
    {
        TaskMetrics.Submitted.Add(1, TaskMetrics.Type(run.Definition.Type));
        var announced = AnnouncedRecord(run);
        Publish(run.Queued!);
        run.Queued = null;
        var held = run.HeldEvents;
        run.HeldEvents = null;
        if (run.Watchers is { } watchers)
        {
            var accepted = new TaskRecordReply(run.Record.Id, announced);
            watchers.ForEach(watcher => watcher.Tell(accepted));
        }

        if (held is not null)
        {
            foreach (var taskEvent in held)
            {
                Announce(run, taskEvent);
            }
        }

        if (run.Record.IsTerminal)
        {
            run.Watchers = null;
            Forget(run);
        }

        if (run.AwaitingDurable is { } awaiting)
        {
            run.AwaitingDurable = null;
            foreach (var (submitter, wait) in awaiting)
            {
                Answer(run, wait, submitter);
            }
        }
    }

    /// <summary>Answers a submitter once the task is stored: at once if it is.</summary>
    private void AnswerWhenDurable(TaskRun run, TimeSpan? wait, IActorRef submitter)
    {
        if (run.Durable)
        {
            Answer(run, wait, submitter);
        }
        else
        {
            (run.AwaitingDurable ??= []).Add((submitter, wait));
        }
    }

    /// <summary>Refuses the message being handled: tells its sender why, or logs it when it was told without one.</summary>
    private void Reject(SubmitRejection kind, string reason) => Sender.TellOrLog(new SubmitRejected(kind, reason), _log, reason);

    /// <summary>
    /// Answers a submitter: completed if the task has ended, else accepted now or when its wait ends. A submit told without
    /// a sender (fire and forget) gets no answer, rather than a dead letter for every task.
    /// </summary>
    private void Answer(TaskRun run, TimeSpan? wait, IActorRef submitter)
    {
        if (submitter.IsNobody())
        {
            return;
        }

        if (run.Record.IsTerminal)
        {
            submitter.Tell(new SubmitCompleted(run.Record));
        }
        else if (wait is { } window && window > TimeSpan.Zero)
        {
            (run.Waiters ??= []).Add(submitter);
            Timers.StartSingleTimer((run.Record.Id, submitter), new WaitEnded(run.Record.Id, submitter), window);
        }
        else
        {
            submitter.Tell(new SubmitAccepted(run.Record.Id));
        }
    }

    private static string? SubmitProblem(SubmitTask submit, TaskDefinition definition)
    {
        if (submit.Priority is < TaskPriority.Lowest or > TaskPriority.Highest)
        {
            return $"priority must be from {TaskPriority.Lowest} to {TaskPriority.Highest} (10 most urgent); it is {submit.Priority}.";
        }

        if (submit.Wait is { } wait && wait < TimeSpan.Zero)
        {
            return $"wait must not be negative; it is {wait}.";
        }

        if (submit.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            return $"timeToLive must be positive; it is {ttl}.";
        }

        if (submit.IdempotencyKey is { } key && (string.IsNullOrWhiteSpace(key) || key.Length > TaskQueueLimits.MaxIdempotencyKeyLength))
        {
            return $"idempotencyKey must be 1 to {TaskQueueLimits.MaxIdempotencyKeyLength} characters and not blank; it has {key.Length}.";
        }

        try
        {
            return definition.Validate(submit.Input) is { } problem ? $"input: {problem}" : null;
        }
        catch (Exception ex)
        {
            return $"input: the validator of '{definition.Type}' threw {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Records the attempt's start; true if it is being written to the journal, which then confirms it with <see cref="StartStored"/>.</summary>
    private bool MarkStarted(TaskRun run, int attempt, string node)
    {
        // The timeout runs from the moment anyone sees the start.
        WatchDeadline(run, attempt);
        CancelTimeToLive(run);
        if (attempt == 1 && TaskMetrics.WaitDuration.Enabled)
        {
            TaskMetrics.WaitDuration.Record((Now - run.Record.QueuedAt).TotalSeconds, TaskMetrics.Type(run.Definition.Type));
        }

        return Apply(run, new TaskStarted(run.Record.Id, run.Record.Type, attempt, Now, node), _journal is null ? null : new StartStored(run.Record.Id, attempt));
    }

    private void OnEnded(AttemptEnded ended)
    {
        if (RunOf(ended.TaskId) is not { } run || !IsPlaced(run, ended.Attempt))
        {
            // An attempt the queue gave up on (its node was taken for lost, or it was cancelled when adopted): it already runs again.
            return;
        }

        if (TaskMetrics.AttemptDuration.Enabled)
        {
            TaskMetrics.AttemptDuration.Record(ended.DurationMs / 1000, TaskMetrics.Type(ended.Type), TaskMetrics.Outcome(ended.Error is null ? "completed" : "failed"));
        }

        Settle(run, ended);
    }

    /// <summary>The placed attempt of <paramref name="run"/> has ended: its end is recorded, then its slots go to the next.</summary>
    private void Settle(TaskRun run, AttemptEnded ended)
    {
        Unplace(run);
        EndAttempt(ended);

        // After the attempt's end has been handed to the journal: the next start is written behind it.
        FreeSlots(GroupOf(run));
    }

    private void EndAttempt(AttemptEnded ended)
    {
        if (!_tasks.TryGetValue(ended.TaskId, out var run))
        {
            ReplyIfDrained();
            return;
        }

        UnwatchDeadline(run);
        if (run.Record.Status == TaskState.Running && run.Record.Attempts == ended.Attempt)
        {
            if (!run.CutOffForShutdown)
            {
                ObserveVerdict(run, ended.Error, ended.DurationMs);
            }

            if (ended.Error is null)
            {
                Flush(run.Record.Id);
                Apply(run, new TaskCompleted(run.Record.Id, run.Record.Type, ended.Result, Now - run.Record.QueuedAt, Now));
            }
            else if (!(run.CutOffForShutdown && _journal is not null))
            {
                // (An attempt cut off by shutdown is not a failure: the journal keeps it running, to run again after the restart.)
                Fail(run, ended.Error);
            }
        }
        else
        {
            ObserveNoVerdict(run);
            if (run.Record.Status == TaskState.RetryWaiting && run.RetryDue)
            {
                // The timed-out attempt has returned (its result is discarded) and its backoff had passed.
                run.RetryDue = false;
                SendRun(run);
            }
        }

        ReplyIfDrained();
    }

    /// <summary>Watches a started attempt's timeout (<see cref="AttemptDeadlines{TRun}"/>), re-arming the one timer if it is now the earliest.</summary>
    private void WatchDeadline(TaskRun run, int attempt)
    {
        var at = _deadlines.Add(run, attempt, run.Definition.Settings.Timeout, Now);
        if (_deadlineTimerAt is null || at < _deadlineTimerAt)
        {
            ArmDeadlineTimer();
        }
    }

    private void UnwatchDeadline(TaskRun run) => _deadlines.Remove(run);

    private void ArmDeadlineTimer()
    {
        if ((_deadlineTimerAt = _deadlines.Earliest()) is not { } earliest)
        {
            return;
        }

        // A deadline years away (a timeout of TimeSpan.MaxValue) is looked at again daily rather than handed to the scheduler as is.
        var delay = earliest - Now;
        Timers.StartSingleTimer(AttemptDeadlinesDue.Instance, AttemptDeadlinesDue.Instance,
            delay <= TimeSpan.Zero ? TimeSpan.Zero : delay < TimeSpan.FromDays(1) ? delay : TimeSpan.FromDays(1));
    }

    private void OnDeadlinesDue()
    {
        foreach (var (run, attempt) in _deadlines.TakeDue(Now))
        {
            OnTimedOut(new AttemptTimedOut(run.Record.Id, attempt));
        }

        ArmDeadlineTimer();
    }

    private void OnTimedOut(AttemptTimedOut timedOut)
    {
        if (_tasks.TryGetValue(timedOut.TaskId, out var run) && run.Record.Status == TaskState.Running && run.Record.Attempts == timedOut.Attempt)
        {
            CancelAttempt(run);
            var error = new TaskError($"Attempt {timedOut.Attempt} timed out after {run.Definition.Settings.Timeout}.", TaskErrorClass.Retryable,
                TechnicalDetails: "The attempt's token was cancelled; its result, if it still produces one, is discarded.");
            ObserveVerdict(run, error, run.Definition.Settings.Timeout.TotalMilliseconds);
            Fail(run, error);
        }
    }

    private void Fail(TaskRun run, TaskError error)
    {
        var policy = run.Definition.Settings.Retry;
        var attempt = run.Record.Attempts;
        if (error.IsRetryable && policy.AllowsAnotherAfter(attempt))
        {
            var delay = policy.DelayAfter(attempt, _jitter);
            delay = error.RetryAfter is { } after && after > delay ? after : delay;
            // Timer first, event second: whoever reacts to the event finds the retry already scheduled.
            Timers.StartSingleTimer((run.Record.Id, "retry"), new RetryDue(run.Record.Id), delay);
            TaskMetrics.Retries.Add(1, TaskMetrics.Type(run.Definition.Type));
            Apply(run, new TaskFailed(run.Record.Id, run.Record.Type, error, attempt, Now + delay, Now));
            return;
        }

        Apply(run, new TaskFailed(run.Record.Id, run.Record.Type, error, attempt, null, Now));
    }

    private void OnRetryDue(string taskId)
    {
        if (!_tasks.TryGetValue(taskId, out var run) || run.Record.Status != TaskState.RetryWaiting)
        {
            return;
        }

        if (run.AttemptRunning)
        {
            run.RetryDue = true;
            return;
        }

        SendRun(run);
    }

    private void Cancel(CancelTask cancel)
    {
        if (!_tasks.TryGetValue(cancel.TaskId ?? string.Empty, out var run) || run.Record.IsTerminal)
        {
            Sender.Tell((run?.Record ?? _completed.Find(cancel.TaskId)) is { } ended
                ? new TaskNotCancellable(ended.Id, $"Task '{ended.Id}' has already ended ({StatusName(ended)}).", ended)
                : new TaskNotCancellable(cancel.TaskId ?? string.Empty, $"No task '{cancel.TaskId}' is known."));
            return;
        }

        Timers.Cancel((run.Record.Id, "retry"));
        CancelAttempt(run);
        Apply(run, new TaskCancelled(run.Record.Id, run.Record.Type, cancel.Reason, Now));
        Sender.Tell(new TaskCancelRequested(run.Record));
    }

    private void Retry(RetryTask retry)
    {
        if (!_tasks.TryGetValue(retry.TaskId ?? string.Empty, out var run))
        {
            if (_completed.Find(retry.TaskId) is { } completed)
            {
                Reject(SubmitRejection.NotRetryable, $"Only a failed or cancelled task can be retried; task '{completed.Id}' is {StatusName(completed)}.");
                return;
            }

            Reject(SubmitRejection.UnknownTask, $"No task '{retry.TaskId}' is known (finished tasks are kept for a while, then forgotten).");
            return;
        }

        if (run.Record.Status is not (TaskState.Failed or TaskState.Cancelled) || run.Unregistered)
        {
            Reject(SubmitRejection.NotRetryable, run.Unregistered
                ? $"Task '{run.Record.Id}' is of type '{run.Record.Type}', which is no longer registered."
                : $"Only a failed or cancelled task can be retried; task '{run.Record.Id}' is {StatusName(run.Record)}.");
            return;
        }

        _log.Info("Retrying task {0} ({1}, {2}) as a new task", run.Record.Id, run.Record.Type, run.Record.Status);
        Submit(new SubmitTask(run.Record.Type, run.Input, run.Record.Priority, Upstream: run.Upstream));
    }

    /// <summary>A record's status as the API spells it.</summary>
    private static string StatusName(TaskRecord record) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(record.Status.ToString());

    private void OnWaitEnded(WaitEnded waitEnded)
    {
        if (_tasks.TryGetValue(waitEnded.TaskId, out var run) && run.Waiters is not null && run.Waiters.Remove(waitEnded.Submitter))
        {
            waitEnded.Submitter.Tell(new SubmitAccepted(waitEnded.TaskId));
        }
    }

    /// <summary>
    /// Applies an event to a record, journals it (with <paramref name="confirmWhenStored"/> told to the queue once it is
    /// stored), publishes it, and answers waiting submitters when the task has ended. False if the event was refused, or
    /// nothing asked to be confirmed will come.
    /// </summary>
    private bool Apply(TaskRun run, TaskEvent taskEvent, object? confirmWhenStored = null)
    {
        try
        {
            run.Record = run.Record.Apply(taskEvent);
        }
        catch (InvalidTaskTransitionException ex)
        {
            // A bug, not a user error; crashing would lose every record, so keep serving and say so loudly.
            _log.Error(ex, "Refused an event that does not follow from the task's record");
            return false;
        }

        var confirming = Journal(run, taskEvent, confirmWhenStored);
        if (run.Durable)
        {
            Announce(run, taskEvent);
        }
        else
        {
            (run.HeldEvents ??= []).Add(taskEvent);
        }

        if (!run.Record.IsTerminal)
        {
            return confirming;
        }

        TaskMetrics.Ended.Add(1, TaskMetrics.Type(run.Definition.Type), TaskMetrics.Outcome(run.Record.Status switch
        {
            TaskState.Completed => "completed",
            TaskState.Failed => "failed",
            _ => "cancelled",
        }));
        if (run.Record.Status == TaskState.Completed)
        {
            // A failed or cancelled task keeps its input (while its record is kept) so that it can be retried.
            run.Input = null;
            run.Upstream = null;
        }

        if (run.Durable)
        {
            run.Watchers = null;
        }

        _unfinished--;
        if (run.HeldProgress is not null)
        {
            run.HeldProgress = null;
            Timers.Cancel((run.Record.Id, "progress"));
        }

        CancelTimeToLive(run);
        if (run.Durable)
        {
            // Not before: its submitters are answered, and its events announced, once its acceptance is stored (Accepted).
            Forget(run);
        }

        if (run.Waiters is { } waiters)
        {
            run.Waiters = null;
            foreach (var waiter in waiters)
            {
                Timers.Cancel((run.Record.Id, waiter));
                waiter.Tell(new SubmitCompleted(run.Record));
            }
        }

        return confirming;
    }

    private void CancelTimeToLive(TaskRun run)
    {
        if (run.TimeToLiveSet)
        {
            run.TimeToLiveSet = false;
            Timers.Cancel((run.Record.Id, "ttl"));
        }
    }

    private void Publish(TaskEvent taskEvent) => _publish(taskEvent);

    /// <summary>Tells the event stream and the task's watchers.</summary>
    private void Announce(TaskRun run, TaskEvent taskEvent)
    {
        Publish(taskEvent);
        if (run.Watchers is { } watchers)
        {
            // A loop, not ForEach: its closure would be made for every event, watched or not.
            foreach (var watcher in watchers)
            {
                watcher.Tell(taskEvent);
            }
        }
    }

    /// <summary>
    /// The time of the message being handled: read from the scheduler (virtual in tests) once per message, as a message may
    /// stamp several events and the clock read is a measurable share of the queue's work.
    /// </summary>
    private DateTimeOffset Now => _messageTime ??= _scheduler.Now;

    protected override bool AroundReceive(Receive receive, object message)
    {
        _messageTime = null;
        var handled = base.AroundReceive(receive, message);
        SendToJournal();
        return handled;
    }

    /// <summary>What the queue knows of one task beyond its record.</summary>
    private sealed class TaskRun(TaskDefinition definition, object? input, TaskRecord record) : IWatchedAttempt
    {
        public TaskDefinition Definition { get; } = definition;

        /// <summary>The input, kept until the task completes (a failed or cancelled one keeps it for <see cref="RetryTask"/>).</summary>
        public object? Input { get; set; } = input;

        /// <summary>The trace context its attempts' spans continue (<see cref="SubmitTask.TraceParent"/>).</summary>
        public string? TraceParent { get => _seldom?.TraceParent; init { if (PartsFor(value is not null) is { } parts) { parts.TraceParent = value; } } }

        /// <summary>Results handed to the task (<see cref="SubmitTask.Upstream"/>), kept until it ends.</summary>
        public IReadOnlyDictionary<string, object?>? Upstream { get => _seldom?.Upstream; set { if (PartsFor(value is not null) is { } parts) { parts.Upstream = value; } } }

        public TaskRecord Record { get; set; } = record;

        /// <summary>The watch on its running attempt's timeout, 0 while none (<see cref="AttemptDeadlines{TRun}"/>).</summary>
        public long Watch { get; set; }

        /// <summary>A timer for its time to live runs (so only then is there one to cancel).</summary>
        public bool TimeToLiveSet { get; set; }

        /// <summary>The attempt sent to its lane whose handler has not returned (possibly a timed-out one); null when none runs.</summary>
        public int? RunningAttempt { get; set; }

        /// <summary>The executor that runs <see cref="RunningAttempt"/>.</summary>
        public Executor? RunningOn { get; set; }

        /// <summary>Whether a handler is still running (possibly a timed-out one).</summary>
        public bool AttemptRunning => RunningAttempt is not null;

        /// <summary>The group it waits and runs in (<see cref="GroupOf"/>), once known.</summary>
        public TaskGroup? Group { get; set; }

        /// <summary>Its running attempt's place in the order of starts (for the adaptive limit's rounds).</summary>
        public long StartSequence { get; set; }

        /// <summary>The backoff passed while a timed-out handler was still running.</summary>
        public bool RetryDue { get; set; }

        /// <summary>Submitters waiting within their window.</summary>
        public List<IActorRef>? Waiters { get => _seldom?.Waiters; set { if (PartsFor(value is not null) is { } parts) { parts.Waiters = value; } } }

        /// <summary>Actors told each of the task's events (<see cref="WatchTask"/>).</summary>
        public List<IActorRef>? Watchers { get => _seldom?.Watchers; set { if (PartsFor(value is not null) is { } parts) { parts.Watchers = value; } } }

        /// <summary>Its running attempt's start is being stored; the attempt goes to its lane once it is (<see cref="OnStartStored"/>).</summary>
        public bool StartStoring { get; set; }

        /// <summary>Its attempt was cancelled while its start was being stored: it ends without running.</summary>
        public bool CancelWhenStored { get; set; }

        /// <summary>Its attempt's token fired because the shutdown grace period ended.</summary>
        public bool CutOffForShutdown { get; set; }

        /// <summary>Recovered from the journal with a type that is no longer registered: it fails on restore.</summary>
        public bool Unregistered { get; init; }

        /// <summary>Whether its acceptance is stored (always, without a journal); until then it is not run, announced or answered.</summary>
        public bool Durable { get; set; }

        /// <summary>With an idempotency key: what tells its input from another's (<see cref="TaskJournalCodec.Fingerprint(object?, Type)"/>).</summary>
        public string? InputFingerprint { get => _seldom?.InputFingerprint; init { if (PartsFor(value is not null) is { } parts) { parts.InputFingerprint = value; } } }

        /// <summary>With result sharing: its input's fingerprint, under which identical inputs find it.</summary>
        public string? ShareKey { get => _seldom?.ShareKey; set { if (PartsFor(value is not null) is { } parts) { parts.ShareKey = value; } } }

        /// <summary>Its first event, until it is announced.</summary>
        public TaskQueued? Queued { get; set; }

        /// <summary>Its events since it was accepted, until its acceptance is stored and it is announced: none go out before it.</summary>
        public List<TaskEvent>? HeldEvents { get => _seldom?.HeldEvents; set { if (PartsFor(value is not null) is { } parts) { parts.HeldEvents = value; } } }

        /// <summary>Submitters to answer once it is stored, with their wait windows.</summary>
        public List<(IActorRef Submitter, TimeSpan? Wait)>? AwaitingDurable { get => _seldom?.AwaitingDurable; set { if (PartsFor(value is not null) is { } parts) { parts.AwaitingDurable = value; } } }

        /// <summary>Progress: when the last event went out, and the latest value held back since.</summary>
        public DateTimeOffset LastProgressAt { get => _seldom?.LastProgressAt ?? default; set => Parts.LastProgressAt = value; }

        public ProgressValue? HeldProgress { get => _seldom?.HeldProgress; set { if (PartsFor(value is not null) is { } parts) { parts.HeldProgress = value; } } }

        /// <summary>
        /// What few tasks have (a trace, upstream results, waiters, watchers, keys, progress, a journal's hold), kept apart: a
        /// waiting task holds its run, and a plain one then carries 80 bytes less (and is copied that much less as it ages).
        /// </summary>
        private SeldomParts? _seldom;

        private SeldomParts Parts => _seldom ??= new SeldomParts();

        /// <summary>The parts, made when <paramref name="some"/> is to be written (writing none needs none).</summary>
        private SeldomParts? PartsFor(bool some) => some ? Parts : _seldom;

        private sealed class SeldomParts
        {
            public string? TraceParent;
            public IReadOnlyDictionary<string, object?>? Upstream;
            public List<IActorRef>? Waiters;
            public List<IActorRef>? Watchers;
            public string? InputFingerprint;
            public string? ShareKey;
            public List<TaskEvent>? HeldEvents;
            public List<(IActorRef Submitter, TimeSpan? Wait)>? AwaitingDurable;
            public DateTimeOffset LastProgressAt;
            public ProgressValue? HeldProgress;
        }
    }
}
