using Actors.Common;
using Akka;
using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Runs the jobs of one kind, one live job per key. It handles one command at a time, which is what
/// makes <see cref="RunJob{TState,TAction}"/> idempotent under any number of concurrent callers.
/// </summary>
/// <remarks>
/// A key is free again as soon as its job's actor has stopped: the job reports its end from PostStop
/// (<see cref="JobEnded"/>), and the manager forgets the key before it answers any later command.
/// Children get unique names, so a new job for a key never waits for the old one's name to be released.
/// </remarks>
internal sealed partial class JobManagerActor<TState, TAction> : UntypedActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>A job's failure never restarts it: its work would run twice and its state would be lost.</summary>
    private static readonly SupervisorStrategy StopFailedJobs = new OneForOneStrategy(Decider.From(Directive.Stop));

    private readonly string _name;
    private readonly JobManagerSettings _settings;
    private readonly Dictionary<string, JobCell<TState>> _jobs = new(StringComparer.Ordinal);

    /// <summary>Who asked to stop a job and waits for its <see cref="JobStopped"/>, by key; usually empty.</summary>
    private readonly Dictionary<string, List<IActorRef>> _stopRequesters = new(StringComparer.Ordinal);

    /// <summary>The Props of every job actor of this manager (see <see cref="JobActor{TState,TAction}.Props"/>).</summary>
    private readonly Props _jobProps = JobActor<TState, TAction>.Props(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Where JobStarted and JobStopped go: this node's event stream, or (in a cluster) every node's.</summary>
    private readonly Action<object> _publish = ClusterEvents.NodePublisherFor(Context.System, JobManager.EventTopic);

    /// <summary>Numbers job actors, so each has a unique name.</summary>
    private long _incarnations;

    /// <summary>Who asked to be told when every job has stopped; set once shutdown begins.</summary>
    private List<IActorRef>? _drainWaiters;

    /// <summary>Builds a job from a key and initial state (<see cref="RunJobFromState{TState}"/>); null when the kind has none.</summary>
    private readonly Func<string, TState, Job<TState, TAction>>? _create;

    public JobManagerActor(string name, JobManagerSettings settings, JobDurability<TState, TAction>? durability = null,
        Func<string, TState, Job<TState, TAction>>? create = null, string? entityKey = null)
    {
        _name = name;
        _settings = settings;
        _durability = durability;
        _create = create ?? durability?.Restore;
        _entityKey = entityKey;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    /// <param name="name">The manager's (the job kind's) name.</param>
    /// <param name="settings">Its settings.</param>
    /// <param name="durability">Opt-in checkpoints of its jobs.</param>
    /// <param name="create">Builds a job from a key and initial state; defaults to the durability's restore.</param>
    /// <param name="entityKey">Set when this actor is the sharded entity of one key (see JobManagerActor.Entity.cs).</param>
    public static Props Props(string name, JobManagerSettings settings, JobDurability<TState, TAction>? durability = null,
        Func<string, TState, Job<TState, TAction>>? create = null, string? entityKey = null) =>
        Akka.Actor.Props.Create(() => new JobManagerActor<TState, TAction>(name, settings, durability, create, entityKey));

    protected override void PreStart() => StartJournal();

    protected override SupervisorStrategy SupervisorStrategy() => StopFailedJobs;

    protected override void OnReceive(object message)
    {
        if (_entityKey is null)
        {
            Handle(message);
            return;
        }

        if (!ReceiveAsEntity(message))
        {
            Handle(message);
        }

        PassivateIfIdle();
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case RunJob<TState, TAction> run:
                Run(run.Key, run.Factory);
                break;
            case RunJobFromState<TState> run:
                Run(run.Key, _create is { } create && run.Key is { } key ? () => create(key, run.InitialState) : null, fromState: true);
                break;
            case RunJobAndDispatch<TState, TAction> run:
                RunAndDispatch(run);
                break;
            case GetRunningJob get:
                Sender.Tell(_jobs.TryGetValue(get.Key ?? string.Empty, out var found)
                    ? new RunningJob(found.Key, found.Job) { Cell = found }
                    : new RunningJob(get.Key ?? string.Empty, null));
                break;
            case GetRunningJobs:
                Sender.Tell(new RunningJobs(_jobs.Keys.ToArray()));
                break;
            case DispatchToJob dispatch:
                Forward(dispatch);
                break;
            case StopJob stop:
                Stop(stop);
                break;
            case JobEnded ended:
                OnJobEnded(ended);
                Checkpoint();
                break;
            case CheckpointDue:
                Checkpoint();
                break;
            case StopAllJobs:
                StopAll(Sender);
                break;
            case StopDeadlinePassed:
                foreach (var cell in _jobs.Values)
                {
                    cell.Job.Tell(StopDeadlinePassed.Instance);
                }

                break;
            case IJobManagerCommand other:
                Sender.Tell(new JobRejected(other.Key ?? string.Empty,
                    $"Job manager '{_name}' runs Job<{typeof(TState).Name}, {typeof(TAction).Name}>; it cannot handle {other.GetType().Name}. Send it to the manager of that job kind."));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        // Children stop before their parent, but their JobEnded messages are not processed any more.
        foreach (var cell in _jobs.Values)
        {
            cell.Complete(cell.RecordedEnd ?? new JobStopped(_name, cell.Key, JobStopReason.Stopped));
        }
    }

    /// <summary>
    /// Starts the job for <paramref name="key"/> unless one runs, and answers the sender with a <see cref="RunJobResult"/>
    /// (only <see cref="JobRejected"/> when <paramref name="answer"/> is false). Returns the running job, or null if rejected.
    /// </summary>
    private JobCell<TState>? Run(string? key, Func<Job<TState, TAction>>? factory, bool fromState = false, bool answer = true)
    {
        if (Rejection(key, factory, fromState) is { } reason)
        {
            Sender.Tell(new JobRejected(key ?? string.Empty, reason));
            return null;
        }

        if (_jobs.TryGetValue(key!, out var running))
        {
            if (answer)
            {
                Sender.Tell(new JobAlreadyRunning(key!, running.Job));
            }

            return running;
        }

        Job<TState, TAction>? job;
        try
        {
            job = factory!();
        }
        catch (Exception ex)
        {
            _log.Warning("The factory for job {0} of manager {1} threw: {2}", key, _name, ex);
            Sender.Tell(new JobRejected(key!, $"The factory for job '{key}' threw {ex.GetType().Name}: {ex.Message}", ex));
            return null;
        }

        if (job is null || !job.TryClaim())
        {
            var problem = job is null ? "returned null" : "returned a job that already ran";
            Sender.Tell(new JobRejected(key!, $"The factory for job '{key}' {problem}; it must return a new job each time."));
            return null;
        }

        return Start(key!, job, answer ? Sender : ActorRefs.Nobody);
    }

    /// <summary>Activation on first use: the job's actor gets the action right after its start, answering the sender itself.</summary>
    private void RunAndDispatch(RunJobAndDispatch<TState, TAction> run) =>
        Run(run.Key, run.Factory, answer: false)?.Job.Forward(new Dispatch(run.Action!, Acknowledge: true));

    private string? Rejection(string? key, Func<Job<TState, TAction>>? factory, bool fromState)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "A job key must be a non-empty string.";
        }

        if (factory is null && fromState)
        {
            return $"Job manager '{_name}' was started without a create function, so it cannot build a job from an initial state; pass create: (key, state) => new YourJob(state) when starting it, or use RunJob with a factory.";
        }

        if (factory is null)
        {
            return $"RunJob for key '{key}' has no factory; pass a function that creates the job.";
        }

        return _drainWaiters is null ? null : $"Job manager '{_name}' is shutting down and starts no new jobs.";
    }

    private JobCell<TState> Start(string key, Job<TState, TAction> job, IActorRef requester)
    {
        var actor = Context.ActorOf(_jobProps, ChildName(key));
        var cell = new JobCell<TState>(actor, new JobStateChanged<TState>(key, job.Version, job.State));
        actor.Tell(new StartJob<TState, TAction>(_name, job, cell, _settings.StopTimeout));
        _jobs.Add(key, cell);
        _publish(new JobStarted(_name, key));
        if (!requester.IsNobody())
        {
            requester.Tell(new JobCreated(key, actor));
        }

        return cell;
    }

    private string ChildName(string key)
    {
        var incarnation = ++_incarnations;
        var name = $"{Uri.EscapeDataString(key)}-{incarnation}";
        return name.Length <= 128 && ActorPath.IsValidPathElement(name) ? name : $"job-{incarnation}";
    }

    private void Forward(DispatchToJob dispatch)
    {
        if (_jobs.TryGetValue(dispatch.Key ?? string.Empty, out var cell))
        {
            cell.Job.Forward(new Dispatch(dispatch.Action, dispatch.Acknowledge));
            return;
        }

        var reason = $"No job runs under key '{dispatch.Key}' in manager '{_name}'; start one with RunJob first.";
        Sender.TellOrLog(new ActionRejected(dispatch.Key ?? string.Empty, dispatch.Action, reason), _log, reason);
    }

    private void Stop(StopJob stop)
    {
        var key = stop.Key ?? string.Empty;
        if (!_jobs.TryGetValue(key, out var cell) || (stop.Job is not null && !stop.Job.Equals(cell.Job)))
        {
            Sender.Tell(new JobNotRunning(key));
            return;
        }

        if (!Sender.IsNobody())
        {
            if (!_stopRequesters.TryGetValue(key, out var requesters))
            {
                _stopRequesters.Add(key, requesters = new List<IActorRef>(1));
            }

            requesters.Add(Sender);
        }

        cell.Job.Tell(StopRequested.One);
    }

    private void StopAll(IActorRef waiter)
    {
        (_drainWaiters ??= new List<IActorRef>()).Add(waiter);
        foreach (var cell in _jobs.Values)
        {
            cell.Job.Tell(StopRequested.All);
        }

        // One deadline for all: thousands of jobs each scheduling a timer at once can starve the
        // thread pool (see docs/decisions/0006).
        if (_jobs.Count > 0 && !Timers.IsTimerActive(StopDeadlinePassed.Instance))
        {
            Timers.StartSingleTimer(StopDeadlinePassed.Instance, StopDeadlinePassed.Instance, _settings.StopTimeout);
        }

        ReplyIfDrained();
    }

    private void OnJobEnded(JobEnded ended)
    {
        var key = ended.Stopped.Key;
        if (!_jobs.TryGetValue(key, out var cell) || !cell.Job.Equals(ended.Job))
        {
            return;
        }

        _jobs.Remove(key);
        cell.Complete(ended.Stopped);
        if (_stopRequesters.Remove(key, out var requesters))
        {
            foreach (var requester in requesters)
            {
                requester.Tell(ended.Stopped);
            }
        }

        _publish(ended.Stopped);
        if (_log.IsDebugEnabled)
        {
            _log.Debug("Job {0} of manager {1} ended: {2} {3}", key, _name, ended.Stopped.Reason, ended.Stopped.Error);
        }

        ReplyIfDrained();
    }

    private void ReplyIfDrained()
    {
        if (_drainWaiters is null || _jobs.Count > 0)
        {
            return;
        }

        Timers.Cancel(StopDeadlinePassed.Instance);
        foreach (var waiter in _drainWaiters)
        {
            waiter.Tell(Done.Instance);
        }

        _drainWaiters.Clear();
    }
}

/// <summary>
/// Stops every job and refuses new ones; the manager replies <see cref="Done"/> once all have stopped.
/// Sent during CoordinatedShutdown.
/// </summary>
internal sealed record StopAllJobs
{
    public static readonly StopAllJobs Instance = new();
}
