using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Subscribes to one job on behalf of non-actor code and hands each state change to a callback, one at
/// a time and in version order. It watches the job, so it ends even if the job was gone before the
/// subscription arrived. Stopping this actor ends the subscription (the job watches it).
/// </summary>
internal sealed class JobStateSubscriber<TState> : UntypedActor
{
    private readonly IActorRef _job;
    private readonly long _afterVersion;
    private readonly Action<JobStateChanged<TState>> _onChange;
    private readonly Action<JobStopped?> _onEnd;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="job">The job's actor.</param>
    /// <param name="afterVersion">Only states with a higher version are passed on.</param>
    /// <param name="onChange">Called with each state change.</param>
    /// <param name="onEnd">Called once at the end: with how the job stopped, or null if it was already gone.</param>
    public JobStateSubscriber(IActorRef job, long afterVersion, Action<JobStateChanged<TState>> onChange, Action<JobStopped?> onEnd)
    {
        _job = job;
        _afterVersion = afterVersion;
        _onChange = onChange;
        _onEnd = onEnd;
    }

    public static Props Props(IActorRef job, long afterVersion, Action<JobStateChanged<TState>> onChange, Action<JobStopped?> onEnd) =>
        Akka.Actor.Props.Create(() => new JobStateSubscriber<TState>(job, afterVersion, onChange, onEnd));

    protected override void PreStart()
    {
        Context.Watch(_job);
        _job.Tell(new SubscribeToJob(Self));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case JobStateChanged<TState> changed when changed.Version > _afterVersion:
                Notify(changed);
                break;
            case JobStateChanged<TState>:
                break;
            case JobStopped stopped:
                End(stopped);
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_job):
                End(null);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Notify(JobStateChanged<TState> changed)
    {
        try
        {
            _onChange(changed);
        }
        catch (Exception ex)
        {
            // A listener's bug must not end the subscription or reach the job.
            _log.Error(ex, "A state listener of job {0} threw on version {1}", changed.Key, changed.Version);
        }
    }

    private void End(JobStopped? stopped)
    {
        _onEnd(stopped);
        Context.Stop(Self);
    }
}
