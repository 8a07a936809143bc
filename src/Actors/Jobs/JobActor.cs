using Actors.Common;
using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Hosts one running <see cref="Job{TState,TAction}"/>: starts its work, feeds it dispatched actions one at a
/// time, publishes its state to subscribers, and stops it gracefully.
/// </summary>
/// <remarks>
/// Lifecycle: started by <see cref="StartJob{TState,TAction}"/> → running → stopping (token cancelled;
/// continuations of the work and of the action in hand still run here; new actions are rejected) → stopped. Stopping ends when the work and the action in
/// hand have finished, or when the stop timeout elapses. The job reports its end to its manager from
/// <see cref="PostStop"/>, so the manager needs no DeathWatch per job.
/// </remarks>
internal sealed partial class JobActor<TState, TAction> : UntypedActor, IJobHost<TState>
{
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
    /// Jobs are many and mostly idle, so they get the mailbox that is small when empty.
    /// </summary>
    public static Props Props(ActorSystem system) =>
        Akka.Actor.Props.CreateBy(new Producer()).WithMailbox(Mailboxes.EnsureConfigured(system, SmallMailbox.Id, Configuration.ActorsConfig.Defaults));

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
            _context.Post(_ => SetState(state), null);
        }
    }

    private void Start(StartJob<TState, TAction> start)
    {
        (_manager, Key, _job, _cell, _stopTimeout) = (start.Manager, start.Cell.Key, start.Job, start.Cell, start.StopTimeout);
        JobMetrics.Running.Add(1, JobMetrics.Kind(_manager));
        _job.AttachTo(this);
        var work = StartWork();
        if (ReferenceEquals(work, Job<TState, TAction>.UntilStopped))
        {
            return; // No work to wait for: the job ends when it is stopped.
        }

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
        if (_manager is not null)
        {
            JobMetrics.Running.Add(-1, JobMetrics.Kind(_manager));
            JobMetrics.Ended.Add(1, JobMetrics.Kind(_manager), new KeyValuePair<string, object?>("reason", end.Reason.ToString().ToLowerInvariant()));
        }

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

    private Task InvokeHandler(TAction action) => JobTracing.Enabled ? InvokeHandlerTraced(action) : CallHandler(action);

    /// <summary>The handler under its action's span, which must not stay current on the actor's thread.</summary>
    private Task InvokeHandlerTraced(TAction action)
    {
        var threadContext = Telemetry.SpanScope.Save();
        var span = JobTracing.StartAction(_manager, Key, action!);
        var handling = CallHandler(action);
        threadContext.Restore();
        if (span is not null)
        {
            JobTracing.EndWhenDone(span, handling);
        }

        return handling;
    }

    private Task CallHandler(TAction action)
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

    private static string Describe(Task task) => task.IsCanceled
        ? "it was cancelled without being asked to stop"
        : Describe(task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception);

    private static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";

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
