using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

/// <summary>
/// Runs the attempts of one task type inside the actor that hosts it: the queue itself for its own lanes (an attempt
/// goes from the queue to the thread pool and back, with no actor between; decision 0023), or a
/// <see cref="TaskLaneActor"/> on each node of a cluster. It decides nothing: it is given an attempt only when it may
/// start, and a cancellation when the attempt's token must fire. It owns each running attempt's token source, DI scope
/// and progress cell. What its attempts' work items and handlers tell it (a <see cref="Signal"/>) reaches it through its
/// host's mailbox, so it only ever runs on its host's thread; it hands progress and ends to its host as data.
/// </summary>
internal sealed partial class TaskLane
{
    private readonly Dictionary<string, RunningAttempt> _running = new(StringComparer.Ordinal);
    private readonly ITimerScheduler _timers;
    private readonly Action<AttemptEnded> _ended;
    private readonly Action<ProgressReported> _progressed;

    /// <summary>Makes each attempt's DI scope; null when the actor system has no DI (nothing to resolve).</summary>
    private readonly IServiceScopeFactory? _scopes;

    /// <param name="definition">The task type it runs.</param>
    /// <param name="system">Where its DI scopes and its log come from.</param>
    /// <param name="host">The actor it runs in: its attempts' signals go to its mailbox.</param>
    /// <param name="timers">The host's timers (a batch's linger window).</param>
    /// <param name="ended">Called on the host's thread with each attempt's end, once the lane has let the attempt go.</param>
    /// <param name="progressed">Called on the host's thread with an attempt's latest progress (always before its end).</param>
    public TaskLane(TaskDefinition definition, ActorSystem system, IActorRef host, ITimerScheduler timers, Action<AttemptEnded> ended,
        Action<ProgressReported> progressed)
    {
        Definition = definition;
        Host = host;
        Log = Logging.GetLogger(system, "Actors.Tasks");
        _timers = timers;
        _ended = ended;
        _progressed = progressed;
        _scopes = TaskServices.ScopeFactory(system);
    }

    public TaskDefinition Definition { get; }

    /// <summary>The actor whose mailbox the lane's signals go through.</summary>
    public IActorRef Host { get; }

    public ILoggingAdapter Log { get; }

    /// <summary>Starts attempt <paramref name="attempt"/> of task <paramref name="taskId"/> now (or, for a batching type, adds it to the batch gathering).</summary>
    public void Run(string taskId, int attempt, object? input, string? idempotencyKey, IReadOnlyDictionary<string, object?>? upstream, string? traceParent)
    {
        if (Definition.Batching is { } batching)
        {
            Gather(new RunTask(taskId, Definition.Type, attempt, input, idempotencyKey, upstream, traceParent), batching);
        }
        else
        {
            Launch(taskId, attempt, input, idempotencyKey, upstream, traceParent);
        }
    }

    /// <summary>Fires the attempt's token, if it still runs; an attempt still gathering for its batch leaves it and ends cancelled.</summary>
    public void Cancel(string taskId, int attempt)
    {
        if (_gathering.FindIndex(run => run.TaskId == taskId && run.Attempt == attempt) is >= 0 and var gathered)
        {
            // Not launched yet: it leaves its batch and ends at once, so its slot comes back now. Through the host's mailbox, as
            // every end: the host is in the middle of the message that cancelled it.
            _gathering.RemoveAt(gathered);
            Host.Tell(new AttemptReturned(this, new AttemptEnded(taskId, Definition.Type, attempt, null,
                Definition.Classify(new OperationCanceledException("The attempt was cancelled before its batch ran.")))));
        }
        else if (_running.TryGetValue(taskId, out var running) && running.Attempt == attempt)
        {
            if (running is BatchedAttempt { Batch: var batch })
            {
                CancelInBatch(batch, taskId);
            }
            else
            {
                running.Fire();
            }
        }
    }

    /// <summary>Fires every running attempt's token (its node's shutdown grace is over).</summary>
    public void CancelAll()
    {
        foreach (var running in _running.Values)
        {
            running.Fire();
        }
    }

    /// <summary>The attempts it runs now.</summary>
    public IReadOnlyList<AttemptRef> RunningAttempts() => _running.Select(p => new AttemptRef(p.Key, Definition.Type, p.Value.Attempt)).ToList();

    /// <summary>Handles what an attempt's work item or handler told the lane, on its host's thread.</summary>
    public void On(Signal signal)
    {
        switch (signal)
        {
            case AttemptReturned returned:
                _running.Remove(returned.Ended.TaskId);
                _ended(returned.Ended);
                break;
            case ProgressSignalled progress:
                if (_running.TryGetValue(progress.TaskId, out var reporting) && reporting.Attempt == progress.Attempt && (reporting as TaskContext)?.TakeProgress() is { } value)
                {
                    _progressed(new ProgressReported(progress.TaskId, progress.Attempt, value.Percent, value.CurrentOperation));
                }

                break;
            case FlushBatch flush:
                if (flush.Generation == _batchGeneration)
                {
                    LaunchBatch();
                }

                break;
            case BatchReturned batch:
                OnBatchReturned(batch);
                break;
        }
    }

    /// <summary>
    /// Fires a token with its callbacks on the thread pool: what a handler registered on it (and the rest of a handler
    /// awaiting it) never runs on the host's thread, which is the queue's own for its lanes. Sources are never disposed:
    /// none has a timer, a cancelled one's callbacks may still be on their way (a disposed source drops them), and a
    /// handler may read its token after its attempt ended.
    /// </summary>
    private static void Fire(CancellationTokenSource cancellation) => _ = cancellation.CancelAsync();

    private void Launch(string taskId, int attempt, object? input, string? idempotencyKey, IReadOnlyDictionary<string, object?>? upstream, string? traceParent)
    {
        var scope = _scopes?.CreateAsyncScope();
        var context = new TaskContext(taskId, attempt, idempotencyKey, this, scope?.ServiceProvider ?? NoServices.Instance,
            upstream ?? TaskContextExtensions.NoUpstream);
        _running[taskId] = context;
        // The attempt's span is current while the handler starts (so it runs under it), never after on the host's thread.
        var threadContext = Telemetry.SpanScope.Save();
        var span = TaskTracing.StartAttempt(Definition.Type, taskId, attempt, traceParent);
        RunThenReport((Input: input, Context: context), static (lane, call) => lane.Definition.Invoke(call.Input, call.Context), scope, span,
            scope is null ? null : $"task {taskId} attempt {attempt}", static (lane, call, attempt, duration) =>
                lane.Host.Tell(new AttemptReturned(lane, attempt.IsCompletedSuccessfully
                    ? new AttemptEnded(call.Context.TaskId, lane.Definition.Type, call.Context.Attempt, attempt.Result, null, duration)
                    : new AttemptEnded(call.Context.TaskId, lane.Definition.Type, call.Context.Attempt, null, ErrorOf(lane.Definition, attempt), duration))));
        if (span is not null)
        {
            threadContext.Restore();
        }
    }

    /// <summary>
    /// Runs a handler call on the thread pool; once it has returned, disposes its DI scope (a failure to is logged: the
    /// call's outcome stands, and the queue must still hear it, or its slots would never come back) and has
    /// <paramref name="report"/> tell the host of the call and its duration in milliseconds. <paramref name="what"/> names
    /// the call in that log (only needed with a scope). What the call needs is passed as <paramref name="state"/> to static
    /// delegates, held in the work item itself: no closure and no delegate is made per attempt.
    /// </summary>
    private void RunThenReport<TState, T>(TState state, Func<TaskLane, TState, ValueTask<T>> call, AsyncServiceScope? scope, System.Diagnostics.Activity? span,
        string? what, Action<TaskLane, TState, ValueTask<T>, double> report) =>
        ThreadPool.UnsafeQueueUserWorkItem(new AttemptRun<TState, T>(this, state, call, scope, span, what, report), preferLocal: false);

    /// <summary>How a call that did not complete is recorded: its exception classified (a cancelled call as cancelled).</summary>
    private static TaskError ErrorOf<T>(TaskDefinition definition, ValueTask<T> call) =>
        definition.Classify(call.AsTask().Exception?.InnerException ?? new OperationCanceledException("The attempt was cancelled."));

    /// <summary>What an attempt's work item or handler tells its lane, through the lane's host (never beyond its node).</summary>
    internal abstract record Signal(TaskLane Lane);

    /// <summary>From an attempt's work item: its handler has returned.</summary>
    private sealed record AttemptReturned(TaskLane Lane, AttemptEnded Ended) : Signal(Lane), IAttemptReport;

    /// <summary>From a handler: its progress cell has a value the queue has not seen. A report, as the end is, so the last progress is taken before the end.</summary>
    private sealed record ProgressSignalled(TaskLane Lane, string TaskId, int Attempt) : Signal(Lane), IAttemptReport;

    /// <summary>What the lane holds of one running attempt: a task's own context (<see cref="TaskContext"/>), or its place in a batch.</summary>
    private abstract class RunningAttempt(int attempt)
    {
        public int Attempt { get; } = attempt;

        /// <summary>Fires the attempt's token (for a batch, the batch's).</summary>
        public abstract void Fire();
    }

    /// <summary>A task of a running batch (which has one token for all, and reports no progress).</summary>
    private sealed class BatchedAttempt(int attempt, RunningBatch batch) : RunningAttempt(attempt)
    {
        public RunningBatch Batch { get; } = batch;

        public override void Fire() => TaskLane.Fire(Batch.Cancellation);
    }

    /// <summary>The handler's view of its attempt, and the lane's record of it while it runs (one object for both).</summary>
    private sealed class TaskContext(string taskId, int attempt, string? idempotencyKey, TaskLane lane,
        IServiceProvider services, IReadOnlyDictionary<string, object?> upstream) : RunningAttempt(attempt), ITaskContext
    {
        private ProgressCell _progress;

        /// <summary>Made by whichever comes first, the handler reading its token or the lane firing it: most handlers never read it.</summary>
        private CancellationTokenSource? _cancellation;

        public IReadOnlyDictionary<string, object?> Upstream { get; } = upstream;

        public IServiceProvider Services { get; } = services;

        public string TaskId { get; } = taskId;

        public string? IdempotencyKey { get; } = idempotencyKey;

        public CancellationToken CancellationToken => Cancellation.Token;

        /// <summary>The attempt's one source: if two threads make one at once, the first installed is the one both use.</summary>
        private CancellationTokenSource Cancellation
        {
            get
            {
                if (Volatile.Read(ref _cancellation) is { } made)
                {
                    return made;
                }

                var mine = new CancellationTokenSource();
                return Interlocked.CompareExchange(ref _cancellation, mine, null) ?? mine;
            }
        }

        public override void Fire() => TaskLane.Fire(Cancellation);

        /// <summary>The lane's side: the latest progress, once signalled.</summary>
        public ProgressValue? TakeProgress() => _progress.Take();

        public void ReportProgress(double percent, string? currentOperation = null)
        {
            if (_progress.Write(new ProgressValue(Math.Clamp(percent, 0, 100), currentOperation)))
            {
                lane.Host.Tell(new ProgressSignalled(lane, TaskId, Attempt));
            }
        }
    }
}
