using Akka.Actor;

namespace Actors.Tasks;

// Messages between the task queue, the executors' lanes and running attempts: not public protocol. Data
// only (no tokens, token sources or callbacks): in a cluster the lanes run on every node
// (TaskExecutorActor), and these cross the network through TaskWireSerializer.

/// <summary>What crosses between the queue and its executors (bound to <see cref="TaskWireSerializer"/>).</summary>
internal interface ITaskExecutorMessage;

/// <summary>Start this attempt now: the queue sends it only when a slot of its type and one in all are free.</summary>
internal sealed record RunTask(string TaskId, string Type, int Attempt, object? Input, string? IdempotencyKey, IReadOnlyDictionary<string, object?>? Upstream = null,
    string? TraceParent = null) : ITaskExecutorMessage;

/// <summary>Fire the token of this attempt (cancel, timeout, shutdown); ignored if it has ended.</summary>
internal sealed record CancelAttempt(string TaskId, int Attempt) : ITaskExecutorMessage;

/// <summary>An attempt's handler returned (or threw) after <c>DurationMs</c> (as its lane measured). <c>Error</c> is null on success.</summary>
internal sealed record AttemptEnded(string TaskId, string Type, int Attempt, object? Result, TaskError? Error, double DurationMs = 0) : ITaskExecutorMessage, IAttemptReport;

/// <summary>An attempt ran past its type's timeout.</summary>
internal sealed record AttemptTimedOut(string TaskId, int Attempt);

/// <summary>A running attempt's latest progress.</summary>
internal sealed record ProgressReported(string TaskId, int Attempt, double Percent, string? CurrentOperation) : ITaskExecutorMessage, IAttemptReport;

/// <summary>One attempt an executor runs.</summary>
internal sealed record AttemptRef(string TaskId, string Type, int Attempt);

/// <summary>
/// An executor offers its lanes (task type → lane) to the queue, with the attempts it is running and the
/// ends it reported last (after the queue moved to another node, so that the new queue adopts those
/// attempts, and learns the ends its predecessor may not have stored, instead of running them again).
/// </summary>
internal sealed record RegisterExecutor(IActorRef Executor, string Node, IReadOnlyDictionary<string, IActorRef> Lanes, IReadOnlyList<AttemptRef> Running,
    IReadOnlyList<AttemptEnded> RecentlyEnded) : ITaskExecutorMessage;

/// <summary>The queue's answer to <see cref="RegisterExecutor"/>: the executor watches its sender.</summary>
internal sealed record ExecutorRegistered : ITaskExecutorMessage
{
    public static readonly ExecutorRegistered Instance = new();
}

/// <summary>The executor's node is shutting down: send it no more attempts; those it runs may still end.</summary>
internal sealed record ExecutorLeaving(IActorRef Executor) : ITaskExecutorMessage;

/// <summary>The executor's grace is over: the attempts it still runs are cut off and must run again elsewhere.</summary>
internal sealed record ExecutorLeft(IActorRef Executor) : ITaskExecutorMessage;

/// <summary>One reported progress value.</summary>
internal sealed record ProgressValue(double Percent, string? CurrentOperation);

/// <summary>
/// The latest progress of one attempt, inside its lane. The handler writes it as often as it likes; the
/// lane is signalled only when no signal is pending, so a tight reporting loop costs a write, not a message.
/// A struct, held in its attempt's context (a field, never a copy): one object less per attempt.
/// </summary>
internal struct ProgressCell
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
internal sealed record WaitEnded(string TaskId, IActorRef Submitter);

/// <summary>Time to publish a task's held-back progress.</summary>
internal sealed record FlushProgress(string TaskId);
