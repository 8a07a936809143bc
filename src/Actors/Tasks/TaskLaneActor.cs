using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

/// <summary>
/// Runs the attempts of one task type. It decides nothing: the queue sends <see cref="RunTask"/> only
/// when the attempt may start, and <see cref="CancelAttempt"/> when its token must fire. The lane owns
/// each running attempt's token source, DI scope and progress cell, and reports progress and ends as data to the
/// queue (in a cluster, through the queue's proxy, so that reports reach it after it moved); the queue records a start
/// when it sends the attempt.
/// </summary>
internal sealed partial class TaskLaneActor : ReceiveActor, IWithTimers
{
    private readonly TaskDefinition _definition;
    private readonly IActorRef _queue;

    /// <summary>On an executor of a cluster: the last ends reported, offered again to a queue that moved (it may not have stored them).</summary>
    private readonly Queue<AttemptEnded>? _recentlyEnded;

    private readonly Dictionary<string, RunningAttempt> _running = new(StringComparer.Ordinal);

    /// <summary>Makes each attempt's DI scope; null when the actor system has no DI (nothing to resolve).</summary>
    private readonly IServiceScopeFactory? _scopes = TaskServices.ScopeFactory(Context.System);

    /// <summary>What every attempt's work item needs of its lane, in one object rather than in each work item.</summary>
    private readonly LaneRefs _refs;

    public TaskLaneActor(TaskDefinition definition, IActorRef queue, bool onExecutor)
    {
        _definition = definition;
        _queue = queue;
        _recentlyEnded = onExecutor ? new Queue<AttemptEnded>() : null;
        _refs = new LaneRefs(Self, definition, Logging.GetLogger(Context.System, "Actors.Tasks"), onExecutor ? null : queue);
        if (definition.Batching is { } batching)
        {
            Receive<RunTask>(run => Gather(run, batching));
            Receive<FlushBatch>(flush =>
            {
                if (flush.Generation == _batchGeneration)
                {
                    LaunchBatch();
                }
            });
            Receive<BatchReturned>(OnBatchReturned);
        }
        else
        {
            Receive<RunTask>(Launch);
        }

        Receive<GetRunningAttempts>(_ => Sender.Tell(new RunningAttempts(_running.Select(p => new AttemptRef(p.Key, _definition.Type, p.Value.Attempt)).ToList(),
            _recentlyEnded?.ToList() ?? [])));
        Receive<CancelAllAttempts>(_ =>
        {
            foreach (var running in _running.Values)
            {
                running.Cancellation.Cancel();
            }
        });
        Receive<CancelAttempt>(cancel =>
        {
            if (_gathering.FindIndex(run => run.TaskId == cancel.TaskId && run.Attempt == cancel.Attempt) is >= 0 and var gathered)
            {
                // Not launched yet: it leaves its batch and ends at once, so its slot comes back now.
                _gathering.RemoveAt(gathered);
                Report(new AttemptEnded(cancel.TaskId, _definition.Type, cancel.Attempt, null,
                    _definition.Classify(new OperationCanceledException("The attempt was cancelled before its batch ran."))));
            }
            else if (_running.TryGetValue(cancel.TaskId, out var running) && running.Attempt == cancel.Attempt)
            {
                if (running is BatchedAttempt { Batch: var batch })
                {
                    CancelInBatch(batch, cancel.TaskId);
                }
                else
                {
                    running.Cancellation.Cancel();
                }
            }
        });
        Receive<ProgressSignalled>(signal =>
        {
            if (_running.TryGetValue(signal.TaskId, out var running) && running.Attempt == signal.Attempt && (running as TaskContext)?.TakeProgress() is { } progress)
            {
                _queue.Tell(new ProgressReported(signal.TaskId, signal.Attempt, progress.Percent, progress.CurrentOperation));
            }
        });
        Receive<AttemptReturned>(returned =>
        {
            if (_running.Remove(returned.Ended.TaskId, out var running))
            {
                // A source without a timer holds nothing once no one can cancel it any more.
                running.Cancellation.Dispose();
            }

            if (!returned.ReportedToQueue)
            {
                Report(returned.Ended);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Tells the queue an attempt ended, and keeps the end on an executor.</summary>
    private void Report(AttemptEnded ended)
    {
        _queue.Tell(ended);
        if (_recentlyEnded is { } recent)
        {
            recent.Enqueue(ended);
            if (recent.Count > RecentEndsKept)
            {
                recent.Dequeue();
            }
        }
    }

    /// <param name="definition">The task type it runs.</param>
    /// <param name="queue">Where progress and ends go.</param>
    /// <param name="onExecutor">A lane of a cluster's executor rather than of the queue itself: it keeps its last ends.</param>
    public static Props Props(TaskDefinition definition, IActorRef queue, bool onExecutor = false) =>
        Akka.Actor.Props.Create(() => new TaskLaneActor(definition, queue, onExecutor));

    /// <summary>How many ends a lane keeps: more than can be on their way to the queue when it dies.</summary>
    private const int RecentEndsKept = 256;

    private void Launch(RunTask run)
    {
        var cancellation = new CancellationTokenSource();
        var scope = _scopes?.CreateAsyncScope();
        var context = new TaskContext(run.TaskId, run.Attempt, run.IdempotencyKey, cancellation, Self, scope?.ServiceProvider ?? NoServices.Instance,
            run.Upstream ?? TaskContextExtensions.NoUpstream);
        _running[run.TaskId] = context;
        // The attempt's span is current while the handler starts (so it runs under it), never after on this actor's thread.
        var threadContext = Telemetry.SpanScope.Save();
        var span = TaskTracing.StartAttempt(_definition.Type, run.TaskId, run.Attempt, run.TraceParent);
        RunThenReport((Run: run, Context: context), static (lane, call) => lane.Definition.Invoke(call.Run.Input, call.Context), scope, span,
            scope is null ? null : $"task {run.TaskId} attempt {run.Attempt}", static (lane, call, attempt, duration) =>
            {
                var ended = attempt.IsCompletedSuccessfully
                    ? new AttemptEnded(call.Run.TaskId, lane.Definition.Type, call.Run.Attempt, attempt.Result, null, duration)
                    : new AttemptEnded(call.Run.TaskId, lane.Definition.Type, call.Run.Attempt, null, ErrorOf(lane.Definition, attempt), duration);
                if (lane.ReportsTo is { } queue && !call.Context.ReportedProgress)
                {
                    // Straight to the queue, a hop less between one task and the next. The lane hears first, so that a retry the
                    // queue sends on this end finds the attempt gone. Not with progress: its last report goes through the lane,
                    // and the end must follow it.
                    lane.Self.Tell(new AttemptReturned(ended, ReportedToQueue: true));
                    queue.Tell(ended);
                }
                else
                {
                    lane.Self.Tell(new AttemptReturned(ended, ReportedToQueue: false));
                }
            });
        if (span is not null)
        {
            threadContext.Restore();
        }
    }

    /// <summary>
    /// Runs a handler call on the thread pool; once it has returned, disposes its DI scope (a failure to is logged: the
    /// call's outcome stands, and the queue must still hear it, or its slots would never come back) and has
    /// <paramref name="report"/> tell the lane (and the queue, when the end goes straight to it) of the call and its duration
    /// in milliseconds. <paramref name="what"/> names
    /// the call in that log (only needed with a scope). What the call needs is passed as <paramref name="state"/> to static
    /// delegates, held in the work item itself: no closure and no delegate is made per attempt.
    /// </summary>
    private void RunThenReport<TState, T>(TState state, Func<LaneRefs, TState, ValueTask<T>> call, AsyncServiceScope? scope, System.Diagnostics.Activity? span, string? what,
        Action<LaneRefs, TState, ValueTask<T>, double> report) =>
        ThreadPool.UnsafeQueueUserWorkItem(new AttemptRun<TState, T>(_refs, state, call, scope, span, what, report), preferLocal: false);

    /// <summary>What an attempt's work item needs of its lane. <c>ReportsTo</c>: the queue, when ends may go to it straight (a lane of the queue's own).</summary>
    private sealed record LaneRefs(IActorRef Self, TaskDefinition Definition, ILoggingAdapter Log, IActorRef? ReportsTo);

    /// <summary>
    /// One handler call on the thread pool, and its report: one object per attempt, where <c>Task.Run</c> and a
    /// continuation made five; a handler that completes at once needs no continuation at all. It is its own work item
    /// (<c>QueueUserWorkItem</c> wrapped it in one more) and carries the execution context itself: the handler runs under
    /// whatever was current when the lane queued it (its span, say), as with <c>QueueUserWorkItem</c>.
    /// </summary>
    private sealed class AttemptRun<TState, T>(LaneRefs lane, TState state, Func<LaneRefs, TState, ValueTask<T>> call, AsyncServiceScope? scope,
        System.Diagnostics.Activity? span, string? what, Action<LaneRefs, TState, ValueTask<T>, double> report) : IThreadPoolWorkItem
    {
        private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public void Execute()
        {
            if (_context is null)
            {
                Run();
            }
            else
            {
                ExecutionContext.Run(_context, static run => ((AttemptRun<TState, T>)run!).Run(), this);
            }
        }

        private void Run()
        {
            ValueTask<T> attempt;
            try
            {
                attempt = call(lane, state);
            }
            catch (Exception e)
            {
                attempt = ValueTask.FromException<T>(e);
            }

            // Read once, kept as its result or as a task (a failed call already is one): what ends it reads it more than once.
            if (attempt.IsCompleted)
            {
                _ = EndAsync(attempt.IsCompletedSuccessfully ? new ValueTask<T>(attempt.Result) : new ValueTask<T>(attempt.AsTask()));
                return;
            }

            attempt.AsTask().ContinueWith(static (ended, run) => ((AttemptRun<TState, T>)run!).EndAsync(new ValueTask<T>(ended)), this, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <param name="attempt">The call, completed: its result, or the task that failed.</param>
        private async Task EndAsync(ValueTask<T> attempt)
        {
            if (span is not null)
            {
                TaskTracing.EndAttempt(span, attempt.IsCompletedSuccessfully ? null : ErrorOf(lane.Definition, attempt));
            }

            if (scope is { } ending)
            {
                try
                {
                    await ending.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    lane.Log.Error(e, "Disposing the DI scope of {0} threw", what);
                }
            }

            report(lane, state, attempt, System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds);
        }
    }

    /// <summary>How a call that did not complete is recorded: its exception classified (a cancelled call as cancelled).</summary>
    private static TaskError ErrorOf<T>(TaskDefinition definition, ValueTask<T> call) =>
        definition.Classify(call.AsTask().Exception?.InnerException ?? new OperationCanceledException("The attempt was cancelled."));

    /// <summary>Asks which attempts the lane runs; answered with <see cref="RunningAttempts"/>.</summary>
    internal sealed record GetRunningAttempts
    {
        public static readonly GetRunningAttempts Instance = new();
    }

    /// <summary>The attempts a lane runs, and the last ends it reported.</summary>
    internal sealed record RunningAttempts(IReadOnlyList<AttemptRef> Attempts, IReadOnlyList<AttemptEnded> RecentlyEnded);

    /// <summary>Fires every running attempt's token (its node's shutdown grace is over).</summary>
    internal sealed record CancelAllAttempts
    {
        public static readonly CancelAllAttempts Instance = new();
    }

    /// <summary>What the lane holds of one running attempt: a task's own context (<see cref="TaskContext"/>), or its place in a batch.</summary>
    private abstract class RunningAttempt(int attempt, CancellationTokenSource cancellation)
    {
        public int Attempt { get; } = attempt;

        public CancellationTokenSource Cancellation { get; } = cancellation;
    }

    /// <summary>A task of a running batch (which has one token for all, and reports no progress).</summary>
    private sealed class BatchedAttempt(int attempt, RunningBatch batch) : RunningAttempt(attempt, batch.Cancellation)
    {
        public RunningBatch Batch { get; } = batch;
    }

    /// <summary>From an attempt's continuation: its handler has returned; the lane reports the end unless the continuation has.</summary>
    private sealed record AttemptReturned(AttemptEnded Ended, bool ReportedToQueue);

    /// <summary>From a handler: its progress cell has a value the queue has not seen.</summary>
    private sealed record ProgressSignalled(string TaskId, int Attempt);

    /// <summary>The handler's view of its attempt, and the lane's record of it while it runs (one object for both).</summary>
    private sealed class TaskContext(string taskId, int attempt, string? idempotencyKey, CancellationTokenSource cancellation, IActorRef lane,
        IServiceProvider services, IReadOnlyDictionary<string, object?> upstream) : RunningAttempt(attempt, cancellation), ITaskContext
    {
        private ProgressCell _progress;

        public IReadOnlyDictionary<string, object?> Upstream { get; } = upstream;

        public IServiceProvider Services { get; } = services;

        public string TaskId { get; } = taskId;

        public string? IdempotencyKey { get; } = idempotencyKey;

        /// <summary>Kept, not read from the source: a handler may still read it after the lane has disposed the source.</summary>
        public CancellationToken CancellationToken { get; } = cancellation.Token;

        /// <summary>Whether the handler has reported progress (read once it has returned).</summary>
        public bool ReportedProgress => _progress.EverWritten;

        /// <summary>The lane's side: the latest progress, once signalled.</summary>
        public ProgressValue? TakeProgress() => _progress.Take();

        public void ReportProgress(double percent, string? currentOperation = null)
        {
            if (_progress.Write(new ProgressValue(Math.Clamp(percent, 0, 100), currentOperation)))
            {
                lane.Tell(new ProgressSignalled(TaskId, Attempt));
            }
        }
    }
}
