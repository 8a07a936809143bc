using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Hosts one running <see cref="Job{TState,TAction}"/>: starts its work, feeds it dispatched actions one at a
/// time, publishes its state to subscribers, and stops it gracefully.
/// </summary>
/// <remarks>
/// Lifecycle: running → stopping (token cancelled; continuations of the work and of the action in hand
/// still run here; new actions are rejected) → stopped. Stopping ends when the work and the action in
/// hand have finished, or when the stop timeout elapses. The job reports its end to its manager from
/// <see cref="PostStop"/>, so the manager needs no DeathWatch per job.
/// </remarks>
internal sealed class JobActor<TState, TAction> : UntypedActor, IJobHost<TState>
{
    /// <summary>The name of the manager, for events and messages.</summary>
    private readonly string _manager;

    /// <summary>The user's job; only this actor touches it.</summary>
    private readonly Job<TState, TAction> _job;

    /// <summary>The live view that handles read; this actor writes its state.</summary>
    private readonly JobCell<TState> _cell;

    /// <summary>How long stopping may take.</summary>
    private readonly TimeSpan _stopTimeout;

    /// <summary>Fires when the job starts to stop; given to the work and to every handler.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Turns the job's continuations into messages to this actor.</summary>
    private readonly JobSynchronizationContext _context;

    /// <summary>The actor system, for logging from any thread.</summary>
    private readonly ActorSystem _system;

    /// <summary>Subscribed actors, each watched; allocated on the first subscription.</summary>
    private List<IActorRef>? _subscribers;

    /// <summary>Actions that arrived while another was being handled; allocated on first need.</summary>
    private Queue<PendingAction>? _pending;

    /// <summary>The action whose handler has not finished yet, if any.</summary>
    private PendingAction? _inHand;

    /// <summary>Whether <see cref="Job{TState,TAction}.RunAsync"/> has not finished yet.</summary>
    private bool _working;

    /// <summary>How the job ends; set when it starts to stop.</summary>
    private JobStopped? _end;

    /// <summary>Stops the actor if stopping takes longer than the stop timeout.</summary>
    private ICancelable? _stopDeadline;

    /// <summary>An exception that escaped job code (an <c>async void</c>) and crashed this actor.</summary>
    private Exception? _crash;

    private ILoggingAdapter? _log;

    public JobActor(string manager, string key, Job<TState, TAction> job, JobCell<TState> cell, TimeSpan stopTimeout)
    {
        _manager = manager;
        Key = key;
        _job = job;
        _cell = cell;
        _stopTimeout = stopTimeout;
        _system = Context.System;
        _context = new JobSynchronizationContext(Self, _system.Log);
    }

    public string Key { get; }

    public ILoggingAdapter Log => _log ??= Logging.GetLogger(_system, $"jobs.{_manager}.{Key}");

    public static Props Props(string manager, string key, Job<TState, TAction> job, JobCell<TState> cell, TimeSpan stopTimeout) =>
        Akka.Actor.Props.CreateBy(new Producer(manager, key, job, cell, stopTimeout));

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

    protected override void PreStart()
    {
        _job.AttachTo(this);
        var work = Invoke(static (job, token, _) => job.StartWork(token), default(TAction)!);
        if (work.IsCompleted)
        {
            OnWorkEnded(work);
            return;
        }

        _working = true;
        work.ContinueWith(static (task, self) => ((IActorRef)self!).Tell(new WorkEnded(task)), Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    protected override void OnReceive(object message)
    {
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
            case WorkEnded ended:
                _working = false;
                OnWorkEnded(ended.Work);
                break;
            case StopRequested:
                BeginStop(JobStopReason.Stopped, null);
                break;
            case StopDeadlinePassed:
                Log.Warning("Job {0} did not finish within {1} of being asked to stop; stopping it anyway. Its remaining continuations run on the thread pool.", Key, _stopTimeout);
                _context.Detach(FinishStop.Instance);
                break;
            case FinishStop:
                Context.Stop(Self);
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

    private Task Invoke(Func<Job<TState, TAction>, CancellationToken, TAction, Task> call, TAction action)
    {
        using var scope = _context.Enter();
        try
        {
            return call(_job, _stopping.Token, action) ?? Task.FromException(new InvalidOperationException($"{_job.GetType().Name} returned a null Task."));
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

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
        if (_end is not null)
        {
            Reject(action, sender, $"job '{Key}' of manager '{_manager}' is stopping ({_end.Reason}) and takes no more actions");
        }
        else if (action is not TAction typed)
        {
            Reject(action, sender, action is null
                ? $"job '{Key}' of manager '{_manager}' was sent a null action"
                : $"job '{Key}' of manager '{_manager}' accepts actions of type {typeof(TAction).FullName}; {action.GetType().FullName} is not one");
        }
        else if (_inHand is not null)
        {
            (_pending ??= new Queue<PendingAction>()).Enqueue(new PendingAction(typed, sender, acknowledge));
        }
        else
        {
            HandleInOrder(new PendingAction(typed, sender, acknowledge));
        }
    }

    /// <summary>Handles <paramref name="next"/> and then queued actions, until one goes asynchronous.</summary>
    private void HandleInOrder(PendingAction next)
    {
        while (true)
        {
            var handling = Invoke(static (job, token, action) => job.Handle(action, token), next.Action);
            if (!handling.IsCompleted)
            {
                _inHand = next;
                handling.ContinueWith(static (task, self) => ((IActorRef)self!).Tell(new ActionEnded(task)), Self, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }

            if (!Conclude(next, handling) || _pending is null || !_pending.TryDequeue(out next))
            {
                return;
            }
        }
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
    private void BeginStop(JobStopReason reason, string? error, bool stopNow = true)
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
            if (_working || _inHand is not null)
            {
                _stopDeadline = Context.System.Scheduler.ScheduleTellOnceCancelable(_stopTimeout, Self, StopDeadlinePassed.Instance, Self);
            }
        }
    }

    private void StopIfIdle()
    {
        if (_end is not null && !_working && _inHand is null)
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

    private sealed record WorkEnded(Task Work);

    private sealed record ActionEnded(Task Handling);

    private sealed record StopDeadlinePassed
    {
        public static readonly StopDeadlinePassed Instance = new();
    }

    private sealed record FinishStop
    {
        public static readonly FinishStop Instance = new();
    }

    /// <summary>Creates the actor without reflection or expression compilation: job creation is a hot path.</summary>
    private sealed class Producer(string manager, string key, Job<TState, TAction> job, JobCell<TState> cell, TimeSpan stopTimeout) : IIndirectActorProducer
    {
        public Type ActorType => typeof(JobActor<TState, TAction>);

        public ActorBase Produce() => new JobActor<TState, TAction>(manager, key, job, cell, stopTimeout);

        public void Release(ActorBase actor)
        {
        }
    }
}

/// <summary>Asks a job to stop (sent by its manager).</summary>
internal sealed record StopRequested
{
    public static readonly StopRequested Instance = new();
}

/// <summary>A job's actor tells its manager that it has stopped, and how the job ended.</summary>
internal sealed record JobEnded(IActorRef Job, JobStopped Stopped);
