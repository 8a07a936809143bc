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
internal sealed class JobManagerActor<TState, TAction> : UntypedActor
{
    /// <summary>A job's failure never restarts it: its work would run twice and its state would be lost.</summary>
    private static readonly SupervisorStrategy StopFailedJobs = new OneForOneStrategy(Decider.From(Directive.Stop));

    private readonly string _name;
    private readonly JobManagerSettings _settings;
    private readonly Dictionary<string, JobEntry> _jobsByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, JobEntry> _jobsByActor = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Numbers job actors, so each has a unique name.</summary>
    private long _incarnations;

    /// <summary>Who asked to be told when every job has stopped; set once shutdown begins.</summary>
    private List<IActorRef>? _drainWaiters;

    public JobManagerActor(string name, JobManagerSettings settings)
    {
        _name = name;
        _settings = settings;
    }

    public static Props Props(string name, JobManagerSettings settings) =>
        Akka.Actor.Props.Create(() => new JobManagerActor<TState, TAction>(name, settings));

    protected override SupervisorStrategy SupervisorStrategy() => StopFailedJobs;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunJob<TState, TAction> run:
                Run(run.Key, run.Factory);
                break;
            case GetRunningJob get:
                Sender.Tell(_jobsByKey.TryGetValue(get.Key ?? string.Empty, out var found)
                    ? new RunningJob(found.Key, found.Job) { Cell = found.Cell }
                    : new RunningJob(get.Key ?? string.Empty, null));
                break;
            case GetRunningJobs:
                Sender.Tell(new RunningJobs(_jobsByKey.Keys.ToArray()));
                break;
            case DispatchToJob dispatch:
                Forward(dispatch);
                break;
            case StopJob stop:
                Stop(stop);
                break;
            case JobEnded ended:
                OnJobEnded(ended);
                break;
            case StopAllJobs:
                StopAll();
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
        foreach (var entry in _jobsByKey.Values)
        {
            entry.Cell.Complete(entry.Cell.RecordedEnd ?? new JobStopped(_name, entry.Key, JobStopReason.Stopped));
        }
    }

    private void Run(string? key, Func<Job<TState, TAction>>? factory)
    {
        if (Rejection(key, factory) is { } reason)
        {
            Sender.Tell(new JobRejected(key ?? string.Empty, reason));
            return;
        }

        if (_jobsByKey.TryGetValue(key!, out var running))
        {
            Sender.Tell(new JobAlreadyRunning(key!, running.Job));
            return;
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
            return;
        }

        if (job is null || job.IsAttached)
        {
            var problem = job is null ? "returned null" : "returned a job that already ran";
            Sender.Tell(new JobRejected(key!, $"The factory for job '{key}' {problem}; it must return a new job each time."));
            return;
        }

        Start(key!, job);
    }

    private string? Rejection(string? key, Func<Job<TState, TAction>>? factory)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "A job key must be a non-empty string.";
        }

        if (factory is null)
        {
            return $"RunJob for key '{key}' has no factory; pass a function that creates the job.";
        }

        return _drainWaiters is null ? null : $"Job manager '{_name}' is shutting down and starts no new jobs.";
    }

    private void Start(string key, Job<TState, TAction> job)
    {
        var cell = new JobCell<TState>(new JobStateChanged<TState>(key, job.Version, job.State));
        var actor = Context.ActorOf(JobActor<TState, TAction>.Props(_name, key, job, cell, _settings.StopTimeout), ChildName(key));
        var entry = new JobEntry(key, actor, cell);
        _jobsByKey.Add(key, entry);
        _jobsByActor.Add(actor, entry);
        Context.System.EventStream.Publish(new JobStarted(_name, key));
        Sender.Tell(new JobCreated(key, actor));
    }

    private string ChildName(string key)
    {
        var incarnation = ++_incarnations;
        var name = $"{Uri.EscapeDataString(key)}-{incarnation}";
        return name.Length <= 128 && ActorPath.IsValidPathElement(name) ? name : $"job-{incarnation}";
    }

    private void Forward(DispatchToJob dispatch)
    {
        if (_jobsByKey.TryGetValue(dispatch.Key ?? string.Empty, out var entry))
        {
            entry.Job.Forward(new Dispatch(dispatch.Action, dispatch.Acknowledge));
            return;
        }

        var reason = $"No job runs under key '{dispatch.Key}' in manager '{_name}'; start one with RunJob first.";
        if (Sender.IsNobody())
        {
            _log.Warning("Rejected an action with no sender to tell: {0}", reason);
            return;
        }

        Sender.Tell(new ActionRejected(dispatch.Key ?? string.Empty, dispatch.Action, reason));
    }

    private void Stop(StopJob stop)
    {
        if (!_jobsByKey.TryGetValue(stop.Key ?? string.Empty, out var entry) || (stop.Job is not null && !stop.Job.Equals(entry.Job)))
        {
            Sender.Tell(new JobNotRunning(stop.Key ?? string.Empty));
            return;
        }

        if (!Sender.IsNobody())
        {
            (entry.StopRequesters ??= new List<IActorRef>(1)).Add(Sender);
        }

        entry.Job.Tell(StopRequested.Instance);
    }

    private void StopAll()
    {
        (_drainWaiters ??= new List<IActorRef>()).Add(Sender);
        foreach (var entry in _jobsByKey.Values)
        {
            entry.Job.Tell(StopRequested.Instance);
        }

        ReplyIfDrained();
    }

    private void OnJobEnded(JobEnded ended)
    {
        if (!_jobsByActor.Remove(ended.Job, out var entry))
        {
            return;
        }

        _jobsByKey.Remove(entry.Key);
        entry.Cell.Complete(ended.Stopped);
        if (entry.StopRequesters is not null)
        {
            foreach (var requester in entry.StopRequesters)
            {
                requester.Tell(ended.Stopped);
            }
        }

        Context.System.EventStream.Publish(ended.Stopped);
        if (_log.IsDebugEnabled)
        {
            _log.Debug("Job {0} of manager {1} ended: {2} {3}", entry.Key, _name, ended.Stopped.Reason, ended.Stopped.Error);
        }

        ReplyIfDrained();
    }

    private void ReplyIfDrained()
    {
        if (_drainWaiters is null || _jobsByKey.Count > 0)
        {
            return;
        }

        foreach (var waiter in _drainWaiters)
        {
            waiter.Tell(Done.Instance);
        }

        _drainWaiters.Clear();
    }

    /// <summary>What the manager knows of one running job.</summary>
    private sealed class JobEntry(string key, IActorRef job, JobCell<TState> cell)
    {
        public string Key { get; } = key;

        public IActorRef Job { get; } = job;

        public JobCell<TState> Cell { get; } = cell;

        /// <summary>Who asked to stop the job and waits for <see cref="JobStopped"/>.</summary>
        public List<IActorRef>? StopRequesters { get; set; }
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
