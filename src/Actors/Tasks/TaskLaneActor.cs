using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

/// <summary>
/// Runs the attempts of one task type. It decides nothing: the queue sends <see cref="RunTask"/> only
/// when the attempt may start, and <see cref="CancelAttempt"/> when its token must fire. The lane owns
/// each running attempt's token source, DI scope and progress cell, and reports starts, progress and ends
/// as data.
/// </summary>
internal sealed class TaskLaneActor : ReceiveActor
{
    private readonly TaskDefinition _definition;
    private readonly IActorRef _queue;
    private readonly Dictionary<string, RunningAttempt> _running = new(StringComparer.Ordinal);

    /// <summary>Makes each attempt's DI scope; null when the actor system has no DI (nothing to resolve).</summary>
    private readonly IServiceScopeFactory? _scopes = TaskServices.ScopeFactory(Context.System);

    /// <summary>Thread-safe (it publishes to the event stream): attempts' continuations log through it.</summary>
    private readonly ILoggingAdapter _log = Logging.GetLogger(Context.System, "Actors.Tasks");

    public TaskLaneActor(TaskDefinition definition, IActorRef queue)
    {
        _definition = definition;
        _queue = queue;
        Receive<RunTask>(Launch);
        Receive<CancelAttempt>(cancel =>
        {
            if (_running.TryGetValue(cancel.TaskId, out var running) && running.Attempt == cancel.Attempt)
            {
                running.Cancellation.Cancel();
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

            _queue.Tell(returned.Ended);
        });
    }

    public static Props Props(TaskDefinition definition, IActorRef queue) =>
        Akka.Actor.Props.Create(() => new TaskLaneActor(definition, queue));

    private void Launch(RunTask run)
    {
        var running = new RunningAttempt(run.Attempt, new CancellationTokenSource(), new ProgressCell());
        _running[run.TaskId] = running;
        var scope = _scopes?.CreateAsyncScope();
        var context = new TaskContext(run.TaskId, run.Attempt, run.IdempotencyKey, running.Cancellation.Token, running.Progress, Self, scope?.ServiceProvider ?? NoServices.Instance);
        _queue.Tell(new AttemptStarted(run.TaskId, run.Attempt));
        var definition = _definition;
        var lane = Self;
        var log = _log;
        Task.Run(() => definition.InvokeAsync(run.Input, context), CancellationToken.None).ContinueWith(async attempt =>
        {
            if (scope is { } ending)
            {
                try
                {
                    await ending.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The attempt's outcome stands, and the queue must still hear it, or its slots would never come back.
                    log.Error(e, "Disposing the DI scope of task {0} attempt {1} threw", run.TaskId, run.Attempt);
                }
            }

            var ended = attempt.IsCompletedSuccessfully
                ? new AttemptEnded(run.TaskId, definition.Type, run.Attempt, attempt.Result, null)
                : new AttemptEnded(run.TaskId, definition.Type, run.Attempt, null,
                    definition.Classify(attempt.Exception?.InnerException ?? new OperationCanceledException("The attempt was cancelled.")));
            lane.Tell(new AttemptReturned(ended));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>What the lane holds of one running attempt.</summary>
    private sealed record RunningAttempt(int Attempt, CancellationTokenSource Cancellation, ProgressCell Progress);

    /// <summary>From an attempt's continuation: its handler has returned.</summary>
    private sealed record AttemptReturned(AttemptEnded Ended);

    /// <summary>From a handler: its progress cell has a value the queue has not seen.</summary>
    private sealed record ProgressSignalled(string TaskId, int Attempt);

    /// <summary>The handler's view of its attempt.</summary>
    private sealed class TaskContext(string taskId, int attempt, string? idempotencyKey, CancellationToken cancellationToken, ProgressCell progress, IActorRef lane,
        IServiceProvider services) : ITaskContext
    {
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
