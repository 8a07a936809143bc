using Akka.Actor;

namespace Actors.Jobs;

/// <summary>
/// The live, read-only view of one running job that in-process handles read without a message
/// round trip; it is also the manager's record of the job (one object per job keeps idle jobs small). Only the job's actor writes <see cref="JobCell{TState}.Current"/>; only its manager
/// completes it, after it has forgotten the job, so a caller that sees the job stopped also sees its
/// key free.
/// </summary>
internal abstract class JobCell
{
    /// <summary>How the job ended, once its manager has forgotten it; null while it runs.</summary>
    private JobStopped? _stopped;

    /// <summary>Created on first demand: most jobs are never awaited, and idle jobs should stay small.</summary>
    private TaskCompletionSource<JobStopped>? _completion;

    protected JobCell(IActorRef job, string key)
    {
        Job = job;
        Key = key;
    }

    /// <summary>The job's actor.</summary>
    public IActorRef Job { get; }

    public string Key { get; }

    /// <summary>How the job ended, as its actor recorded it in PostStop (read by the manager on shutdown).</summary>
    public JobStopped? RecordedEnd { get; set; }

    public JobStopped? Stopped => Volatile.Read(ref _stopped);

    public Task<JobStopped> Completion
    {
        get
        {
            var completion = Volatile.Read(ref _completion);
            if (completion is null)
            {
                var created = new TaskCompletionSource<JobStopped>(TaskCreationOptions.RunContinuationsAsynchronously);
                completion = Interlocked.CompareExchange(ref _completion, created, null) ?? created;
            }

            // Complete() may have run between our read of _completion and its creation: check again.
            if (Volatile.Read(ref _stopped) is { } stopped)
            {
                completion.TrySetResult(stopped);
            }

            return completion.Task;
        }
    }

    /// <summary>The type of the job's state (what a copy on another node is read as).</summary>
    public abstract Type StateType { get; }

    /// <summary>The current state's version.</summary>
    public abstract long CurrentVersion { get; }

    /// <summary>The current state, untyped.</summary>
    public abstract object? CurrentState { get; }

    public void Complete(JobStopped stopped)
    {
        if (Interlocked.CompareExchange(ref _stopped, stopped, null) is null)
        {
            Volatile.Read(ref _completion)?.TrySetResult(stopped);
        }
    }
}

/// <summary>A <see cref="JobCell"/> that also shows the job's current state.</summary>
internal sealed class JobCell<TState>(IActorRef job, JobStateChanged<TState> initial) : JobCell(job, initial.Key)
{
    /// <summary>
    /// Whether this is a copy read from another node (a job elsewhere in the cluster): nobody there writes it, so
    /// whoever holds it subscribes to the job to keep it current and to learn its end.
    /// </summary>
    public bool IsCopy { get; init; }

    private volatile JobStateChanged<TState> _current = initial;

    /// <summary>The latest state with its version; replaced (never mutated) by the job's actor.</summary>
    public JobStateChanged<TState> Current
    {
        get => _current;
        set => _current = value;
    }

    public override Type StateType => typeof(TState);

    public override long CurrentVersion => _current.Version;

    public override object? CurrentState => _current.State;
}
