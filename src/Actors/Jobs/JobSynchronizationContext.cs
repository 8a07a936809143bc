using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// Runs a job's continuations on its actor: each <see cref="Post"/> becomes a message the actor
/// executes, so job code after an <c>await</c> runs one piece at a time, like any actor code.
/// Once detached (the actor is stopping for good), continuations run on the thread pool instead, so a
/// job's <c>finally</c> blocks and disposals still run after its actor is gone.
/// </summary>
internal sealed class JobSynchronizationContext : SynchronizationContext
{
    private readonly IActorRef _actor;
    private readonly ILoggingAdapter _log;

    /// <summary>Guards <see cref="_detached"/> and the Tell that depends on it (private: job code can reach this context, never this lock).</summary>
    private readonly Lock _gate = new();

    /// <summary>Set once; from then on nothing is posted to the actor. Guarded by <see cref="_gate"/>.</summary>
    private bool _detached;

    public JobSynchronizationContext(IActorRef actor, ILoggingAdapter log)
    {
        _actor = actor;
        _log = log;
        TellWorkEnded = () => _actor.Tell(WorkEnded.Instance);
    }

    /// <summary>Tells the actor that the job's work has ended; cached, as every job needs it once.</summary>
    public Action TellWorkEnded { get; }

    public bool IsDetached
    {
        get
        {
            lock (_gate)
            {
                return _detached;
            }
        }
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        // Check and Tell under one lock: otherwise a continuation could be told after the actor's
        // final message and be lost in dead letters.
        lock (_gate)
        {
            if (!_detached)
            {
                _actor.Tell(new RunContinuation(d, state));
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Context.RunDetached(s.Callback, s.State), (Context: this, Callback: d, State: state), preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("A job's synchronization context does not run callbacks synchronously; use Post.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Makes this the current context until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        return new Scope(previous);
    }

    /// <summary>Routes later continuations to the thread pool; optionally tells the actor one last message.</summary>
    public void Detach(object? finalMessage = null)
    {
        lock (_gate)
        {
            _detached = true;
            if (finalMessage is not null)
            {
                _actor.Tell(finalMessage);
            }
        }
    }

    private void RunDetached(SendOrPostCallback callback, object? state)
    {
        try
        {
            callback(state);
        }
        catch (Exception ex)
        {
            // Nothing can be told any more: the job is gone. Log rather than crash the process.
            _log.Error(ex, "A continuation of job {0} threw after the job had stopped", _actor.Path.Name);
        }
    }

    /// <summary>Restores the previous synchronization context.</summary>
    internal readonly struct Scope(SynchronizationContext? previous) : IDisposable
    {
        public void Dispose() => SetSynchronizationContext(previous);
    }
}

/// <summary>A continuation of job code, to run on the job's actor.</summary>
internal sealed class RunContinuation(SendOrPostCallback callback, object? state)
{
    public void Run(JobSynchronizationContext context)
    {
        using var scope = context.Enter();
        callback(state);
    }
}
