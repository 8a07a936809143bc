using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

/// <summary>
/// Runs the tasks of one type. Waiting tasks wait in this actor's mailbox (<see cref="TaskLaneMailbox"/>,
/// most urgent first). The lane takes a task only while a slot of its type is free: after launching an
/// attempt it waits for a free slot before it returns, which keeps the mailbox suspended, so a freed slot
/// always takes the most urgent task waiting at that moment. Slots are released by the attempts
/// themselves (the suspended lane could not process a release message).
/// </summary>
internal sealed class TaskLaneActor : ReceiveActor
{
    private readonly TaskDefinition _definition;
    private readonly IActorRef _queue;
    // The semaphores are never disposed: a late attempt (after shutdown) may still release its slot, and a
    // SemaphoreSlim whose wait handle is never used holds nothing that needs disposing.
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _globalSlots;

    /// <summary>Fires when shutdown begins: waiting tasks stay waiting (recorded so), nothing new starts.</summary>
    private readonly CancellationToken _draining;

    /// <summary>
    /// With a journal, an ended attempt keeps its slots until the queue has stored its end (it calls
    /// <see cref="AttemptEnded.ReleaseSlots"/>): so after a crash, no more attempts run again than there are slots.
    /// </summary>
    private readonly bool _holdSlotsUntilStored;

    /// <summary>Makes each attempt's DI scope; null when the actor system has no DI (nothing to resolve).</summary>
    private readonly IServiceScopeFactory? _scopes = TaskServices.ScopeFactory(Context.System);

    /// <summary>Thread-safe (it publishes to the event stream): attempts' continuations log through it.</summary>
    private readonly ILoggingAdapter _log = Logging.GetLogger(Context.System, "Actors.Tasks");

    public TaskLaneActor(TaskDefinition definition, IActorRef queue, SemaphoreSlim globalSlots, CancellationToken draining, bool holdSlotsUntilStored = false)
    {
        _definition = definition;
        _queue = queue;
        _globalSlots = globalSlots;
        _draining = draining;
        _holdSlotsUntilStored = holdSlotsUntilStored;
        _slots = new SemaphoreSlim(definition.Settings.ConcurrencyLimit, definition.Settings.ConcurrencyLimit);
        ReceiveAsync<RunTask>(RunAsync);
    }

    public static Props Props(TaskDefinition definition, IActorRef queue, SemaphoreSlim globalSlots, CancellationToken draining, bool holdSlotsUntilStored = false) =>
        Akka.Actor.Props.Create(() => new TaskLaneActor(definition, queue, globalSlots, draining, holdSlotsUntilStored)).WithMailbox(TaskLaneMailbox.ConfigPath);

    private async Task RunAsync(RunTask run)
    {
        if (run.TaskToken.IsCancellationRequested || _draining.IsCancellationRequested)
        {
            return;
        }

        await _slots.WaitAsync();
        await _globalSlots.WaitAsync();
        if (run.TaskToken.IsCancellationRequested || _draining.IsCancellationRequested)
        {
            _globalSlots.Release();
            _slots.Release();
            return;
        }

        Launch(run);

        // Take the next task only when it can start: until then it waits in the mailbox, in priority order.
        await _slots.WaitAsync();
        _slots.Release();
    }

    private void Launch(RunTask run)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(run.TaskToken);
        var queue = _queue;
        var scope = _scopes?.CreateAsyncScope();
        var context = new TaskContext(run.TaskId, run.Attempt, run.IdempotencyKey, cancellation.Token, queue, scope?.ServiceProvider ?? NoServices.Instance);
        // The timeout is scheduled before the start is announced, so it runs from the moment anyone sees the start.
        var timeout = Context.System.Scheduler.ScheduleTellOnceCancelable(_definition.Settings.Timeout, queue, new AttemptTimedOut(run.TaskId, run.Attempt), ActorRefs.NoSender);
        queue.Tell(new AttemptStarted(run.TaskId, run.Attempt, cancellation));
        var definition = _definition;
        var release = ReleaseOnce(_slots, _globalSlots);
        var hold = _holdSlotsUntilStored;
        var log = _log;
        Task.Run(() => definition.InvokeAsync(run.Input, context), CancellationToken.None).ContinueWith(async attempt =>
        {
            timeout.Cancel();
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

            if (!hold)
            {
                release();
            }

            var ended = attempt.IsCompletedSuccessfully
                ? new AttemptEnded(run.TaskId, run.Attempt, attempt.Result, null, release)
                : new AttemptEnded(run.TaskId, run.Attempt, null, definition.Classify(attempt.Exception?.InnerException ?? new OperationCanceledException("The attempt was cancelled.")), release);
            // The attempt's token source is not disposed here: the queue may still cancel it (a timeout racing
            // the handler's return), and a linked source without a timer needs no disposal.
            queue.Tell(ended);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Releases an attempt's slots, once however often it is called.</summary>
    private static Action ReleaseOnce(SemaphoreSlim slots, SemaphoreSlim globalSlots)
    {
        var released = 0;
        return () =>
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                globalSlots.Release();
                slots.Release();
            }
        };
    }

    /// <summary>The handler's view of its attempt.</summary>
    private sealed class TaskContext(string taskId, int attempt, string? idempotencyKey, CancellationToken cancellationToken, IActorRef queue, IServiceProvider services)
        : ITaskContext
    {
        private readonly ProgressCell _progress = new();

        public IServiceProvider Services { get; } = services;

        public string TaskId { get; } = taskId;

        public int Attempt { get; } = attempt;

        public string? IdempotencyKey { get; } = idempotencyKey;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public void ReportProgress(double percent, string? currentOperation = null)
        {
            if (_progress.Write(new ProgressValue(Math.Clamp(percent, 0, 100), currentOperation)))
            {
                queue.Tell(new ProgressReported(TaskId, Attempt, _progress));
            }
        }
    }
}
