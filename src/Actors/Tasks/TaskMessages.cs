using Akka.Actor;

namespace Actors.Tasks;

// Messages between the task queue, its lanes and running attempts: not public protocol.

/// <summary>Run the next attempt of a task; waits in the lane's mailbox by priority.</summary>
internal sealed record RunTask(string TaskId, int Priority, int Attempt, object? Input, string? IdempotencyKey, CancellationToken TaskToken)
    : IPrioritizedTaskMessage;

/// <summary>A lane started an attempt; <paramref name="Cancellation"/> cancels that attempt alone.</summary>
internal sealed record AttemptStarted(string TaskId, int Attempt, CancellationTokenSource Cancellation);

/// <summary>An attempt's handler returned (or threw): its slot is already free. <c>Error</c> is null on success.</summary>
internal sealed record AttemptEnded(string TaskId, int Attempt, object? Result, TaskError? Error);

/// <summary>An attempt ran past its type's timeout.</summary>
internal sealed record AttemptTimedOut(string TaskId, int Attempt);

/// <summary>A running attempt reported progress.</summary>
internal sealed record ProgressReported(string TaskId, int Attempt, double Percent, string? CurrentOperation);

/// <summary>A failed task's backoff has passed.</summary>
internal sealed record RetryDue(string TaskId);

/// <summary>A submitter's wait window has passed.</summary>
internal sealed record WaitEnded(string TaskId, IActorRef Submitter);

/// <summary>Time to publish a task's held-back progress.</summary>
internal sealed record FlushProgress(string TaskId);
