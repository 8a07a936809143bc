namespace Actors.Tasks;

// Messages between the task queue, its lanes and running attempts: not public protocol. Data only (no
// tokens, token sources or callbacks), so that a lane could run on another node.

/// <summary>Start this attempt now: the queue sends it only when a slot of its type and one in all are free.</summary>
internal sealed record RunTask(string TaskId, int Attempt, object? Input, string? IdempotencyKey);

/// <summary>Fire the token of this attempt (cancel, timeout, shutdown); ignored if it has ended.</summary>
internal sealed record CancelAttempt(string TaskId, int Attempt);

/// <summary>A lane started an attempt.</summary>
internal sealed record AttemptStarted(string TaskId, int Attempt);

/// <summary>An attempt's handler returned (or threw). <c>Error</c> is null on success.</summary>
internal sealed record AttemptEnded(string TaskId, string Type, int Attempt, object? Result, TaskError? Error);

/// <summary>An attempt ran past its type's timeout.</summary>
internal sealed record AttemptTimedOut(string TaskId, int Attempt);

/// <summary>A running attempt's latest progress.</summary>
internal sealed record ProgressReported(string TaskId, int Attempt, double Percent, string? CurrentOperation);

/// <summary>One reported progress value.</summary>
internal sealed record ProgressValue(double Percent, string? CurrentOperation);

/// <summary>
/// The latest progress of one attempt, inside its lane. The handler writes it as often as it likes; the
/// lane is signalled only when no signal is pending, so a tight reporting loop costs a write, not a message.
/// </summary>
internal sealed class ProgressCell
{
    private ProgressValue? _latest;

    /// <summary>1 while a signal is on its way to the lane.</summary>
    private int _signalled;

    /// <summary>Stores the value; true if the caller must signal the lane.</summary>
    public bool Write(ProgressValue value)
    {
        Volatile.Write(ref _latest, value);
        return Interlocked.CompareExchange(ref _signalled, 1, 0) == 0;
    }

    /// <summary>The latest value. Clears the pending signal first, so a write that follows is signalled again.</summary>
    public ProgressValue? Take()
    {
        Interlocked.Exchange(ref _signalled, 0);
        return Volatile.Read(ref _latest);
    }
}

/// <summary>A failed task's backoff has passed.</summary>
internal sealed record RetryDue(string TaskId);

/// <summary>A submitter's wait window has passed.</summary>
internal sealed record WaitEnded(string TaskId, Akka.Actor.IActorRef Submitter);

/// <summary>Time to publish a task's held-back progress.</summary>
internal sealed record FlushProgress(string TaskId);
