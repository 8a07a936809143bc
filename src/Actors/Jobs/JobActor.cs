using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Hosts one running <see cref="Job{TState,TAction}"/>: starts its work, feeds it dispatched actions one at a
/// time, publishes its state to subscribers, and stops it gracefully.
/// </summary>
/// <remarks>
/// Lifecycle: started by <see cref="StartJob{TState,TAction}"/> → running → stopping (token cancelled; continuations of the work and of the action in hand
/// still run here; new actions are rejected) → stopped. Stopping ends when the work and the action in
/// hand have finished, or when the stop timeout elapses. The job reports its end to its manager from
/// <see cref="PostStop"/>, so the manager needs no DeathWatch per job.
/// </remarks>
internal sealed class JobActor<TState, TAction> : UntypedActor, IJobHost<TState>
{
    /// <summary>The name of the manager, for events and messages.</summary>
    private string _manager = null!;

    /// <summary>The user's job; only this actor touches it.</summary>
    private Job<TState, TAction> _job = null!;

    /// <summary>The live view that handles read; this actor writes its state.</summary>
    private JobCell<TState> _cell = null!;

    /// <summary>How long stopping may take.</summary>
    private TimeSpan _stopTimeout;

    /// <summary>Fires when the job starts to stop; given to the work and to every handler.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Turns the job's continuations into messages to this actor.</summary>
    private readonly JobSynchronizationContext _context;

    /// <summary>
    /// Whether no message this actor handles could also be a <typeparamref name="TAction"/>, so that an
    /// incoming message can be tested for an action before anything else.
    /// </summary>
    private static readonly bool ActionsComeFirst = !new[]
    {
        typeof(RunContinuation), typeof(Dispatch), typeof(ActionEnded), typeof(SubscribeToJob), typeof(UnsubscribeFromJob),
        typeof(Terminated), typeof(GetJobState), typeof(WorkEnded), typeof(StopRequested), typeof(StopDeadlinePassed),
        typeof(FinishStop), typeof(StartJob<TState, TAction>),
    }.Any(typeof(TAction).IsAssignableFrom);

    /// <summary>The actor system, for logging from any thread.</summary>
    private readonly ActorSystem _system;

    /// <summary>Subscribed actors, each watched; allocated on the first subscription.</summary>
    private List<IActorRef>? _subscribers;

    /// <summary>Actions that arrived while another was being handled; allocated on first need.</summary>
    private Queue<PendingAction>? _pending;

    /// <summary>The action whose handler has not finished yet, if any.</summary>
    private PendingAction? _inHand;

    /// <summary>The job's work; null once it has ended (or before it started).</summary>
    private Task? _work;

    /// <summary>How the job ends; set when it starts to stop.</summary>
    private JobStopped? _end;

    /// <summary>Stops the actor if stopping takes longer than the stop timeout.</summary>
    private ICancelable? _stopDeadline;

    /// <summary>An exception that escaped job code (an <c>async void</c>) and crashed this actor.</summary>
    private Exception? _crash;

    private ILoggingAdapter? _log;

    public JobActor()
    {
        _system = Context.System;
        _context = new JobSynchronizationContext(Self, _system.Log);
    }

    public string Key { get; private set; } = null!;

    public ILoggingAdapter Log => _log ??= Logging.GetLogger(_system, $"jobs.{_manager}.{Key}");

    /// <summary>
    /// One Props for all the jobs of a manager: an actor cell keeps its Props, so per-job Props would cost
    /// every idle job its own copy. The job itself arrives in <see cref="StartJob{TState,TAction}"/>.
    /// </summary>
    public static Props Props() => Akka.Actor.Props.CreateBy(new Producer());

    public void SetState(TState state)
    {
        if (SynchronizationContext.Current == _context)
        {
            Apply(state);
        }
        else if (_context.IsDetached)
        {
            Log.Warning("Job {0} set its state after it had stopped; the change is ignored", Key);
        }
        else
        {
            _context.Post(static s => ((JobActor<TState, TAction>)((object[])s!)[0]).SetState((TState)((object[])s!)[1]!), new object?[] { this, state });
        }
    }

    private void Start(StartJob<TState, TAction> start)
    {
        (_manager, Key, _job, _cell, _stopTimeout) = (start.Manager, start.Cell.Key, start.Job, start.Cell, start.StopTimeout);
        _job.AttachTo(this);
        var work = StartWork();
        if (work.IsCompleted)
        {
            OnWorkEnded(work);
            return;
        }

        // A cached delegate on the awaiter costs an idle job far less than a ContinueWith task.
        _work = work;
        work.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_context.TellWorkEnded);
    }

    protected override void OnReceive(object message)
    {
        // Actions are the hot path: test for them first whenever no other message could also be one.
        if (ActionsComeFirst && message is TAction action)
        {
            AcceptUnacknowledged(action);
            return;
        }

        switch (message)
        {
            case RunContinuation continuation:
                continuation.Run(_context);
                break;
            case Dispatch dispatch:
                OnDispatch(dispatch.Action, dispatch.Acknowledge, Sender);
                break;
            case ActionEnded ended:
                OnActionEnded(ended.Handling);
                break;
            case SubscribeToJob subscribe:
                Subscribe(subscribe.Subscriber);
                break;
            case UnsubscribeFromJob unsubscribe:
                Unsubscribe(unsubscribe.Subscriber);
                break;
            case Terminated terminated:
                _subscribers?.Remove(terminated.ActorRef);
                break;
            case GetJobState:
                Sender.Tell(new JobState<TState>(Key, _job.Version, _job.State, _subscribers?.Count ?? 0));
                break;
            case WorkEnded:
                var work = _work!;
                _work = null;
                OnWorkEnded(work);
                break;
            case StopRequested stop:
                BeginStop(JobStopReason.Stopped, null, ownDeadline: stop.WithOwnDeadline);
                break;
            case StopDeadlinePassed:
                Log.Warning("Job {0} did not finish within {1} of being asked to stop; stopping it anyway. Its remaining continuations run on the thread pool.", Key, _stopTimeout);
                _context.Detach(FinishStop.Instance);
                break;
            case FinishStop:
                Context.Stop(Self);
                break;
            case StartJob<TState, TAction> start:
                Start(start);
                break;
            case TAction other:
                AcceptUnacknowledged(other);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception ex)
        {
            _crash ??= ex;
            throw;
        }
    }

    protected override void PostStop()
    {
        _stopDeadline?.Cancel();
        _context.Detach();
        if (_end is null)
        {
            // Stopped from outside (a crash, or the actor system shutting down): no grace period is left.
            var reason = _crash is null ? JobStopReason.Stopped : JobStopReason.Failed;
            BeginStop(reason, _crash is null ? null : Describe(_crash), stopNow: false);
        }

        var end = _end!;
        _cell.RecordedEnd = end;
        if (_subscribers is not null)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Tell(end);
            }
        }

        Context.Parent.Tell(new JobEnded(Self, end));
    }

    private Task StartWork()
    {
        using var scope = _context.Enter();
        try
        {
            return _job.StartWork(_stopping.Token) ?? NullTask("RunAsync");
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    private Task InvokeHandler(TAction action)
    {
        using var scope = _context.Enter();
        try
        {
            return _job.Handle(action, _stopping.Token) ?? NullTask("HandleAsync");
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    private Task NullTask(string method) =>
        Task.FromException(new InvalidOperationException($"{_job.GetType().Name}.{method} returned a null Task instead of a Task."));

    private void Apply(TState state)
    {
        var changed = new JobStateChanged<TState>(Key, _job.Apply(state), state);
        _cell.Current = changed;
        if (_subscribers is null)
        {
            return;
        }

        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(changed);
        }
    }

    private void OnDispatch(object? action, bool acknowledge, IActorRef sender)
    {
        if (action is TAction typed)
        {
            Accept(typed, acknowledge, sender);
            return;
        }

        Reject(action, sender, action is null
            ? $"job '{Key}' of manager '{_manager}' was sent a null action"
            : $"job '{Key}' of manager '{_manager}' accepts actions of type {typeof(TAction).FullName}; {action.GetType().FullName} is not one");
    }

    /// <summary>
    /// The hot path: an action told as it is. With no action in hand nothing is queued either (the queue
    /// fills only while one is in hand, and is drained or rejected when it ends), so a handler that
    /// completes at once needs no bookkeeping, and no sender (read only if it must be answered later).
    /// </summary>
    private void AcceptUnacknowledged(TAction action)
    {
        if (_end is null && _inHand is null)
        {
            var handling = InvokeHandler(action);
            if (handling.IsCompletedSuccessfully)
            {
                return;
            }

            AwaitOrConclude(new PendingAction(action, Sender, Acknowledge: false), handling);
            return;
        }

        Accept(action, acknowledge: false, Sender);
    }

    private void Accept(TAction action, bool acknowledge, IActorRef sender)
    {
        if (_end is not null)
        {
            Reject(action, sender, $"job '{Key}' of manager '{_manager}' is stopping ({_end.Reason}) and takes no more actions");
        }
        else if (_inHand is not null)
        {
            (_pending ??= new Queue<PendingAction>()).Enqueue(new PendingAction(action, sender, acknowledge));
        }
        else
        {
            HandleInOrder(new PendingAction(action, sender, acknowledge));
        }
    }

    /// <summary>Handles <paramref name="next"/> and then queued actions, until one goes asynchronous.</summary>
    private void HandleInOrder(PendingAction next)
    {
        while (AwaitOrConclude(next, InvokeHandler(next.Action)) && _pending is not null && _pending.TryDequeue(out next))
        {
        }
    }

    /// <summary>
    /// Keeps an unfinished handler in hand until it ends, or concludes a finished one; returns whether the
    /// next queued action may be handled now.
    /// </summary>
    private bool AwaitOrConclude(PendingAction action, Task handling)
    {
        if (handling.IsCompleted)
        {
            return Conclude(action, handling);
        }

        _inHand = action;
        handling.ContinueWith(static (task, self) => ((IActorRef)self!).Tell(new ActionEnded(task)), Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    private void OnActionEnded(Task handling)
    {
        var done = _inHand!.Value;
        _inHand = null;
        if (Conclude(done, handling) && _pending is not null && _pending.TryDequeue(out var next))
        {
            HandleInOrder(next);
        }

        StopIfIdle();
    }

    /// <summary>Answers the sender of a handled action; returns whether the job goes on.</summary>
    private bool Conclude(PendingAction action, Task handling)
    {
        if (handling.IsCompletedSuccessfully)
        {
            if (action.Acknowledge)
            {
                action.Sender.Tell(new ActionHandled(Key));
            }

            return _end is null;
        }

        var error = Describe(handling);
        if (action.Acknowledge)
        {
            action.Sender.Tell(new ActionFailed(Key, error));
        }

        BeginStop(JobStopReason.Failed, $"handling {action.Action!.GetType().Name} failed: {error}");
        return false;
    }

    private void OnWorkEnded(Task work)
    {
        if (work.IsCompletedSuccessfully)
        {
            BeginStop(JobStopReason.Completed, null);
        }
        else if (_end is null)
        {
            BeginStop(JobStopReason.Failed, Describe(work));
        }

        StopIfIdle();
    }

    /// <summary>Starts stopping (first reason wins): cancels the token and rejects waiting actions.</summary>
    /// <param name="reason">Why the job ends.</param>
    /// <param name="error">The failure's message, if it failed.</param>
    /// <param name="stopNow">False in PostStop, where the actor is stopping already.</param>
    /// <param name="ownDeadline">
    /// Whether to schedule the stop deadline here; false when the manager enforces one deadline for all
    /// its jobs (shutdown), so that thousands of jobs do not each create a timer at once.
    /// </param>
    private void BeginStop(JobStopReason reason, string? error, bool stopNow = true, bool ownDeadline = true)
    {
        if (_end is not null)
        {
            return;
        }

        _end = new JobStopped(_manager, Key, reason, error);
        if (reason == JobStopReason.Failed)
        {
            Log.Error("Job {0} of manager {1} failed: {2}", Key, _manager, error);
        }

        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.Error(ex, "A cancellation callback registered by job {0} threw", Key);
        }

        while (_pending is not null && _pending.TryDequeue(out var waiting))
        {
            Reject(waiting.Action, waiting.Sender, $"job '{Key}' of manager '{_manager}' stopped ({reason}) before handling it");
        }

        if (stopNow)
        {
            StopIfIdle();
            if (ownDeadline && (_work is not null || _inHand is not null))
            {
                _stopDeadline = Context.System.Scheduler.ScheduleTellOnceCancelable(_stopTimeout, Self, StopDeadlinePassed.Instance, Self);
            }
        }
    }

    private void StopIfIdle()
    {
        if (_end is not null && _work is null && _inHand is null)
        {
            _stopDeadline?.Cancel();
            Context.Stop(Self);
        }
    }

    private void Subscribe(IActorRef subscriber)
    {
        var subscribers = _subscribers ??= new List<IActorRef>(1);
        if (!subscribers.Contains(subscriber))
        {
            subscribers.Add(subscriber);
            Context.Watch(subscriber);
        }

        subscriber.Tell(_cell.Current);
    }

    private void Unsubscribe(IActorRef subscriber)
    {
        if (_subscribers is not null && _subscribers.Remove(subscriber))
        {
            Context.Unwatch(subscriber);
        }
    }

    private void Reject(object? action, IActorRef sender, string reason)
    {
        if (sender.IsNobody())
        {
            Log.Warning("Rejected an action with no sender to tell: {0}", reason);
            return;
        }

        sender.Tell(new ActionRejected(Key, action, reason));
    }

    private static string Describe(Task task) => task.IsCanceled
        ? "it was cancelled without being asked to stop"
        : Describe(task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception);

    private static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";

    /// <summary>An action waiting for, or in, the job's handler, with whom to answer.</summary>
    private readonly record struct PendingAction(TAction Action, IActorRef Sender, bool Acknowledge);

    private sealed record ActionEnded(Task Handling);

    private sealed record FinishStop
    {
        public static readonly FinishStop Instance = new();
    }

    /// <summary>Creates the actor without reflection or expression compilation: job creation is a hot path.</summary>
    private sealed class Producer : IIndirectActorProducer
    {
        public Type ActorType => typeof(JobActor<TState, TAction>);

        public ActorBase Produce() => new JobActor<TState, TAction>();

        public void Release(ActorBase actor)
        {
        }
    }
}

/// <summary>Asks a job to stop (sent by its manager).</summary>
/// <param name="WithOwnDeadline">Whether the job enforces the stop timeout itself, or its manager does.</param>
internal sealed record StopRequested(bool WithOwnDeadline)
{
    /// <summary>Stop one job: it enforces its own stop timeout.</summary>
    public static readonly StopRequested One = new(true);

    /// <summary>Stop every job of a manager: the manager enforces one stop timeout for all of them.</summary>
    public static readonly StopRequested All = new(false);
}

/// <summary>A stopping job has had its stop timeout: it stops now, finished or not.</summary>
internal sealed record StopDeadlinePassed
{
    public static readonly StopDeadlinePassed Instance = new();
}

/// <summary>
/// The first message of every job actor, from its manager: the job to run. The manager tells it before it
/// answers <see cref="JobCreated"/>, so nothing else can reach the job first.
/// </summary>
internal sealed record StartJob<TState, TAction>(string Manager, Job<TState, TAction> Job, JobCell<TState> Cell, TimeSpan StopTimeout);

/// <summary>The job's work has ended (told by its completion callback).</summary>
internal sealed record WorkEnded
{
    public static readonly WorkEnded Instance = new();
}

/// <summary>A job's actor tells its manager that it has stopped, and how the job ended.</summary>
internal sealed record JobEnded(IActorRef Job, JobStopped Stopped);
