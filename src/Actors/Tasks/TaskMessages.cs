using Akka.Actor;

namespace Actors.Tasks;

// Messages between the task queue, its lanes and running attempts: not public protocol.

/// <summary>Run the next attempt of a task; waits in the lane's mailbox by priority.</summary>
internal sealed record RunTask(string TaskId, int Priority, int Attempt, object? Input, string? IdempotencyKey, CancellationToken TaskToken)
    : IPrioritizedTaskMessage;

/// <summary>A lane started an attempt; <paramref name="Cancellation"/> cancels that attempt alone.</summary>
internal sealed record AttemptStarted(string TaskId, int Attempt, CancellationTokenSource Cancellation);

/// <summary>An attempt's handler returned (or threw): its slot is already free. <c>Error</c> is null on success.</summary>
internal sealed record AttemptEnded(string TaskId, int Attempt, object? Result, TaskError? Error, Action? ReleaseSlots = null);

/// <summary>An attempt ran past its type's timeout.</summary>
internal sealed record AttemptTimedOut(string TaskId, int Attempt);

/// <summary>A running attempt has new progress in its cell (one signal in flight at most; read the cell).</summary>
internal sealed record ProgressReported(string TaskId, int Attempt, ProgressCell Cell);

/// <summary>One reported progress value.</summary>
internal sealed record ProgressValue(double Percent, string? CurrentOperation);

/// <summary>
/// The latest progress of one attempt. The handler writes it as often as it likes; a signal goes to the
/// queue only when none is pending, so a tight reporting loop costs a write, not a message per report.
/// </summary>
internal sealed class ProgressCell
{
    private ProgressValue? _latest;

    /// <summary>1 while a signal is on its way to the queue.</summary>
    private int _signalled;

    /// <summary>Stores the value; true if the caller must signal the queue.</summary>
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
internal sealed record WaitEnded(string TaskId, IActorRef Submitter);

/// <summary>Time to publish a task's held-back progress.</summary>
internal sealed record FlushProgress(string TaskId);
