using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

// Executors: where attempts run. Without a cluster the queue's own lanes are the one executor. In a cluster
// every node's TaskExecutorActor offers its lanes; an attempt goes to the executor running the fewest, and
// the queue remembers where each attempt runs, so that when a node leaves or dies its attempts run again
// elsewhere (attempt + 1, same idempotency key), and when the queue itself moved, the attempts that still
// run on the surviving nodes are adopted instead of run twice.
internal sealed partial class TaskQueueActor
{
    private readonly List<Executor> _executors = [];

    /// <summary>Tasks forgotten (cancelled, then pushed out of the kept records) while an attempt of theirs still runs: its end must still free its slots once.</summary>
    private readonly Dictionary<string, TaskRun> _forgottenRunning = new(StringComparer.Ordinal);

    /// <summary>After recovery in a cluster: tasks the journal holds as running, until an executor says it runs them or the claim window ends.</summary>
    private HashSet<string>? _unclaimed;

    private int _nextExecutor;

    /// <summary>Attempts whose handler has not returned (as far as the queue knows).</summary>
    private int _runningAttempts;

    /// <summary>Without a cluster: the lanes the queue hosts itself, by type (decision 0023); null in a cluster.</summary>
    private Dictionary<string, TaskLane>? _ownLanes;

    /// <summary>Without a cluster: lanes of this queue's own, the one executor.</summary>
    private void StartOwnLanes()
    {
        var node = Common.Placement.NodeAddress(Context.System);
        _ownLanes = _definitions.Values.ToDictionary(d => d.Type, d => new TaskLane(d, Context.System, Self, Timers, OnEnded, OnProgress), StringComparer.Ordinal);
        _executors.Add(new OwnExecutor(Self, node, _ownLanes));
    }

    /// <summary>
    /// What an attempt of one of the queue's own lanes told it. Dropped if the lane is not one of today's: an attempt that
    /// outlived the queue's restart (its lanes went with the failed incarnation, as lane actors stopped with it).
    /// </summary>
    private void OnLaneSignal(TaskLane.Signal signal)
    {
        if (_ownLanes is not null && _ownLanes.TryGetValue(signal.Lane.Definition.Type, out var lane) && lane == signal.Lane)
        {
            lane.On(signal);
        }
    }

    /// <summary>The executor with the fewest running attempts (in turn among equals); null when none takes attempts.</summary>
    private Executor? PickExecutor()
    {
        if (_executors.Count == 1)
        {
            return _executors[0].Leaving ? null : _executors[0];
        }

        Executor? best = null;
        for (var i = 0; i < _executors.Count; i++)
        {
            var candidate = _executors[(_nextExecutor + i) % _executors.Count];
            if (!candidate.Leaving && (best is null || candidate.Running < best.Running))
            {
                best = candidate;
            }
        }

        _nextExecutor = (_nextExecutor + 1) % Math.Max(1, _executors.Count);
        return best;
    }

    private void OnRegister(RegisterExecutor register)
    {
        var executor = _executors.Find(e => e.Ref.Equals(register.Executor));
        if (executor is null)
        {
            executor = new NodeExecutor(register.Executor, register.Node, register.Lanes);
            _executors.Add(executor);
            Context.Watch(register.Executor);
            _log.Info("The task executor on {0} joined ({1} types, {2} attempts running); {3} executors", register.Node, register.Lanes.Count, register.Running.Count,
                _executors.Count);
        }

        register.Executor.Tell(ExecutorRegistered.Instance);
        foreach (var attempt in register.Running)
        {
            Adopt(executor, attempt);
        }

        foreach (var ended in register.RecentlyEnded)
        {
            AdoptEnded(executor, ended);
        }

        StartWhatMayStart();
    }

    /// <summary>An attempt an executor runs: kept if the queue lost track of it (it moved), else cancelled unless it is the one the queue knows.</summary>
    private void Adopt(Executor executor, AttemptRef attempt)
    {
        var known = _tasks.GetValueOrDefault(attempt.TaskId);
        if (known is not null && known.RunningAttempt == attempt.Attempt && known.RunningOn == executor)
        {
            return;
        }

        if (_unclaimed?.Remove(attempt.TaskId) == true && known is { } run
            && run.Record.Status == TaskState.Running && run.Record.Attempts == attempt.Attempt)
        {
            TakeSlots(run);
            OnAttemptStarting(run);
            Place(run, executor, attempt.Attempt);
            WatchDeadline(run, attempt.Attempt);
            return;
        }

        // Its task ended, was cancelled, or already runs again elsewhere: nobody waits for this attempt.
        executor.Cancel(attempt.Type, attempt.TaskId, attempt.Attempt);
    }

    /// <summary>An end the executor reported before the queue moved: if the journal still holds that attempt as running, it ends now rather than running again.</summary>
    private void AdoptEnded(Executor executor, AttemptEnded ended)
    {
        if (_unclaimed?.Remove(ended.TaskId) == true && _tasks.TryGetValue(ended.TaskId, out var run)
            && run.Record.Status == TaskState.Running && run.Record.Attempts == ended.Attempt)
        {
            TakeSlots(run);
            Place(run, executor, ended.Attempt);
            Settle(run, ended);
        }
    }

    /// <summary>Records where the task's attempt runs: the one account of running attempts (and so of their slots).</summary>
    private void Place(TaskRun run, Executor executor, int attempt)
    {
        run.RunningAttempt = attempt;
        run.RunningOn = executor;
        executor.Running++;
        _runningAttempts++;
    }

    /// <summary>
    /// Whether this report (from <c>Sender</c>) is about the attempt the queue placed: false for one it gave
    /// up on (its node was taken for lost, or it was cancelled when an executor offered it), even if an
    /// attempt of the same number now runs on another node.
    /// </summary>
    private bool IsPlaced(TaskRun run, int attempt) =>
        run.RunningAttempt == attempt && run.RunningOn is { } on && on.IsLane(run.Definition.Type, Sender);

    /// <summary>The task's attempt has ended (reported, or lost with its node).</summary>
    private void Unplace(TaskRun run)
    {
        if (run.RunningOn is { } on)
        {
            on.Running--;
            _runningAttempts--;
        }

        run.RunningAttempt = null;
        run.RunningOn = null;
        run.StartStoring = false;
        run.CancelWhenStored = false;
        _forgottenRunning.Remove(run.Record.Id);
    }

    /// <summary>The task whose attempt a report is about: kept, or forgotten while the attempt ran.</summary>
    private TaskRun? RunOf(string taskId) => _tasks.GetValueOrDefault(taskId) ?? _forgottenRunning.GetValueOrDefault(taskId);

    private void OnExecutorLeaving(IActorRef leaving)
    {
        if (_executors.Find(e => e.Ref.Equals(leaving)) is { } executor)
        {
            executor.Leaving = true;
            _log.Info("The task executor on {0} is shutting down: it takes no more attempts ({1} still running there)", executor.Node, executor.Running);
        }
    }

    /// <summary>An executor has gone (its node left, died or cut its attempts off): its attempts run again on the others.</summary>
    private void OnExecutorGone(IActorRef gone)
    {
        if (_executors.Find(e => e.Ref.Equals(gone)) is not { } executor)
        {
            return;
        }

        _executors.Remove(executor);
        Context.Unwatch(gone);
        var lost = _tasks.Values.Concat(_forgottenRunning.Values).Where(run => run.RunningOn == executor).ToList();
        _log.Warning("The task executor on {0} is gone with {1} attempts running; they run again elsewhere; {2} executors remain", executor.Node, lost.Count,
            _executors.Count);
        foreach (var run in lost)
        {
            var attempt = run.RunningAttempt;
            Unplace(run);
            ReleaseSlots(GroupOf(run));
            RunAgainAfterLoss(run, $"The node {executor.Node} was lost while attempt {attempt} ran; it runs again.");
        }

        StartWhatMayStart();
    }

    /// <summary>An attempt that nobody will report on any more: a running task runs again as its next attempt (whatever its retry policy: the attempt did not fail).</summary>
    private void RunAgainAfterLoss(TaskRun run, string why)
    {
        UnwatchDeadline(run);
        ObserveNoVerdict(run);
        var record = run.Record;
        if (record.Status == TaskState.Running)
        {
            // At least once: the attempt may have done part of its work; the handler sees the next attempt number and the idempotency key.
            Apply(run, new TaskFailed(record.Id, record.Type, new TaskError(why, TaskErrorClass.Retryable), record.Attempts, Now, Now));
            SendRun(run);
        }
        else if (record.Status == TaskState.RetryWaiting && run.RetryDue)
        {
            run.RetryDue = false;
            SendRun(run);
        }
    }

    /// <summary>The claim window after recovery has passed: running tasks no executor has claimed run again.</summary>
    private void OnClaimWindowEnded()
    {
        var unclaimed = _unclaimed ?? [];
        _unclaimed = null;
        if (unclaimed.Count > 0)
        {
            _log.Info("{0} attempts the journal holds as running were claimed by no executor; they run again", unclaimed.Count);
        }

        foreach (var taskId in unclaimed)
        {
            if (_tasks.TryGetValue(taskId, out var run))
            {
                RunAgainAfterLoss(run, $"The service stopped while attempt {run.Record.Attempts} ran; it runs again.");
            }
        }
    }

    /// <summary>A place attempts run: the queue's own lanes, or a node's <see cref="TaskExecutorActor"/>.</summary>
    private abstract class Executor(IActorRef reference, string node)
    {
        public IActorRef Ref { get; } = reference;

        public string Node { get; } = node;

        /// <summary>Attempts sent to it and not yet ended.</summary>
        public int Running { get; set; }

        /// <summary>Its node is shutting down: it takes no more attempts.</summary>
        public bool Leaving { get; set; }

        /// <summary>Starts the task's attempt <paramref name="attempt"/> on the lane of its type.</summary>
        public abstract void Run(TaskRun run, int attempt);

        /// <summary>Fires the token of the attempt, if its lane still runs it.</summary>
        public abstract void Cancel(string type, string taskId, int attempt);

        /// <summary>Whether a report from <paramref name="sender"/> comes from its lane of <paramref name="type"/>.</summary>
        public abstract bool IsLane(string type, IActorRef sender);
    }

    /// <summary>The queue's own lanes, which it calls directly: their reports are its own calls.</summary>
    private sealed class OwnExecutor(IActorRef queue, string node, IReadOnlyDictionary<string, TaskLane> lanes) : Executor(queue, node)
    {
        public override void Run(TaskRun run, int attempt) =>
            lanes[run.Definition.Type].Run(run.Record.Id, attempt, run.Input, run.Record.IdempotencyKey, run.Upstream, run.TraceParent);

        public override void Cancel(string type, string taskId, int attempt) => lanes[type].Cancel(taskId, attempt);

        public override bool IsLane(string type, IActorRef sender) => true;
    }

    /// <summary>A node's executor, whose lanes are actors (messages to them may cross nodes).</summary>
    private sealed class NodeExecutor(IActorRef executor, string node, IReadOnlyDictionary<string, IActorRef> lanes) : Executor(executor, node)
    {
        public override void Run(TaskRun run, int attempt) => lanes[run.Definition.Type].Tell(
            new RunTask(run.Record.Id, run.Definition.Type, attempt, run.Input, run.Record.IdempotencyKey, run.Upstream, run.TraceParent));

        public override void Cancel(string type, string taskId, int attempt)
        {
            if (lanes.TryGetValue(type, out var lane))
            {
                lane.Tell(new CancelAttempt(taskId, attempt));
            }
        }

        public override bool IsLane(string type, IActorRef sender) => lanes[type].Equals(sender);
    }
}

/// <summary>The window after recovery in which executors claim the attempts they still run has passed.</summary>
internal sealed record ClaimWindowEnded
{
    public static readonly ClaimWindowEnded Instance = new();
}
