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

    /// <summary>Thread-safe (it publishes to the event stream): attempts' continuations log through it.</summary>
    private readonly ILoggingAdapter _log = Logging.GetLogger(Context.System, "Actors.Tasks");

    public TaskLaneActor(TaskDefinition definition, IActorRef queue, bool onExecutor)
    {
        _definition = definition;
        _queue = queue;
        _recentlyEnded = onExecutor ? new Queue<AttemptEnded>() : null;
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
                if (running.Batch is { } batch)
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
            if (_running.TryGetValue(signal.TaskId, out var running) && running.Attempt == signal.Attempt && running.Progress.Take() is { } progress)
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

            Report(returned.Ended);
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
        var running = new RunningAttempt(run.Attempt, new CancellationTokenSource(), new ProgressCell());
        _running[run.TaskId] = running;
        var scope = _scopes?.CreateAsyncScope();
        var context = new TaskContext(run.TaskId, run.Attempt, run.IdempotencyKey, running.Cancellation.Token, running.Progress, Self, scope?.ServiceProvider ?? NoServices.Instance,
            run.Upstream ?? TaskContextExtensions.NoUpstream);
        // The attempt's span is current while the handler starts (so it runs under it), never after on this actor's thread.
        var threadContext = Telemetry.SpanScope.Save();
        var span = TaskTracing.StartAttempt(_definition.Type, run.TaskId, run.Attempt, run.TraceParent);
        RunThenReport((Run: run, Context: context, Definition: _definition), static call => call.Definition.InvokeAsync(call.Run.Input, call.Context),
            scope, span, scope is null ? null : $"task {run.TaskId} attempt {run.Attempt}", static (call, attempt, duration) =>
            new AttemptReturned(attempt.IsCompletedSuccessfully
                ? new AttemptEnded(call.Run.TaskId, call.Definition.Type, call.Run.Attempt, attempt.Result, null, duration)
                : new AttemptEnded(call.Run.TaskId, call.Definition.Type, call.Run.Attempt, null, ErrorOf(call.Definition, attempt), duration)));
        if (span is not null)
        {
            threadContext.Restore();
        }
    }

    /// <summary>
    /// Runs a handler call on the thread pool; once it has returned, disposes its DI scope (a failure to is logged: the
    /// call's outcome stands, and the queue must still hear it, or its slots would never come back) and tells the lane
    /// what <paramref name="report"/> makes of the call and its duration in milliseconds. <paramref name="what"/> names
    /// the call in that log (only needed with a scope). What the call needs is passed as <paramref name="state"/> to static
    /// delegates, held in the work item itself: no closure and no delegate is made per attempt.
    /// </summary>
    private void RunThenReport<TState, T>(TState state, Func<TState, Task<T>> call, AsyncServiceScope? scope, System.Diagnostics.Activity? span, string? what,
        Func<TState, Task<T>, double, object> report)
    {
        // The handler runs under whatever span is current now (the work item captures the execution context): its attempt's, started by the caller.
        ThreadPool.QueueUserWorkItem(static attempt => attempt.Run(), new AttemptRun<TState, T>(Self, _definition, _log, state, call, scope, span, what, report), preferLocal: false);
    }

    /// <summary>
    /// One handler call on the thread pool, and its report: one object per attempt, where <c>Task.Run</c> and a
    /// continuation made five; a handler that completes at once needs no continuation at all.
    /// </summary>
    private sealed class AttemptRun<TState, T>(IActorRef lane, TaskDefinition definition, ILoggingAdapter log, TState state, Func<TState, Task<T>> call,
        AsyncServiceScope? scope, System.Diagnostics.Activity? span, string? what, Func<TState, Task<T>, double, object> report)
    {
        private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

        public void Run()
        {
            Task<T> attempt;
            try
            {
                attempt = call(state);
            }
            catch (Exception e)
            {
                attempt = Task.FromException<T>(e);
            }

            if (attempt.IsCompleted)
            {
                _ = EndAsync(attempt);
                return;
            }

            attempt.ContinueWith(static (ended, run) => ((AttemptRun<TState, T>)run!).EndAsync(ended), this, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private async Task EndAsync(Task<T> attempt)
        {
            if (span is not null)
            {
                TaskTracing.EndAttempt(span, attempt.IsCompletedSuccessfully ? null : ErrorOf(definition, attempt));
            }

            if (scope is { } ending)
            {
                try
                {
                    await ending.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    log.Error(e, "Disposing the DI scope of {0} threw", what);
                }
            }

            lane.Tell(report(state, attempt, System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds));
        }
    }

    /// <summary>How a call that did not complete is recorded: its exception classified (a cancelled call as cancelled).</summary>
    private static TaskError ErrorOf(TaskDefinition definition, Task call) =>
        definition.Classify(call.Exception?.InnerException ?? new OperationCanceledException("The attempt was cancelled."));

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

    /// <summary>What the lane holds of one running attempt (with the batch it runs in, for a batching type).</summary>
    private sealed record RunningAttempt(int Attempt, CancellationTokenSource Cancellation, ProgressCell Progress, RunningBatch? Batch = null);

    /// <summary>From an attempt's continuation: its handler has returned.</summary>
    private sealed record AttemptReturned(AttemptEnded Ended);

    /// <summary>From a handler: its progress cell has a value the queue has not seen.</summary>
    private sealed record ProgressSignalled(string TaskId, int Attempt);

    /// <summary>The handler's view of its attempt.</summary>
    private sealed class TaskContext(string taskId, int attempt, string? idempotencyKey, CancellationToken cancellationToken, ProgressCell progress, IActorRef lane,
        IServiceProvider services, IReadOnlyDictionary<string, object?> upstream) : ITaskContext
    {
        public IReadOnlyDictionary<string, object?> Upstream { get; } = upstream;

        public IServiceProvider Services { get; } = services;

        public string TaskId { get; } = taskId;

        public int Attempt { get; } = attempt;

        public string? IdempotencyKey { get; } = idempotencyKey;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public void ReportProgress(double percent, string? currentOperation = null)
        {
            if (progress.Write(new ProgressValue(Math.Clamp(percent, 0, 100), currentOperation)))
            {
                lane.Tell(new ProgressSignalled(TaskId, Attempt));
            }
        }
    }
}
