namespace Actors.Tasks;

// A task's life as events, with the fields of seed 002. One actor owns the records and publishes these on
// the event stream; step 6 journals them unchanged, and a record is rebuilt by applying them in order
// (TaskRecord.Apply).

/// <summary>An event of one task.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Timestamp">When it happened.</param>
public abstract record TaskEvent(string TaskId, DateTimeOffset Timestamp);

/// <summary>A task was accepted and waits for a slot.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Priority">1 to 10, 10 most urgent.</param>
/// <param name="EstimatedDuration">What its type expects.</param>
/// <param name="IdempotencyKey">The key it was submitted with, if any.</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskQueued(string TaskId, string TaskType, int Priority, TimeSpan EstimatedDuration, string? IdempotencyKey, DateTimeOffset Timestamp)
    : TaskEvent(TaskId, Timestamp);

/// <summary>An attempt started.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Attempt">The attempt, from 1.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Node">The address of the node whose executor runs it (in a cluster, one of its members).</param>
public sealed record TaskStarted(string TaskId, string TaskType, int Attempt, DateTimeOffset Timestamp, string? Node = null) : TaskEvent(TaskId, Timestamp);

/// <summary>A running task reported progress (throttled; the last value and 100 % always arrive).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Progress">0 to 100.</param>
/// <param name="CurrentOperation">What it is doing, if it said.</param>
/// <param name="EstimatedTimeRemaining">From its progress so far, if it can be told.</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskProgress(string TaskId, double Progress, string? CurrentOperation, TimeSpan? EstimatedTimeRemaining, DateTimeOffset Timestamp)
    : TaskEvent(TaskId, Timestamp);

/// <summary>The task finished with a result.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Result">The handler's result.</param>
/// <param name="Duration">From queued to completed.</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskCompleted(string TaskId, string TaskType, object? Result, TimeSpan Duration, DateTimeOffset Timestamp) : TaskEvent(TaskId, Timestamp);

/// <summary>
/// An attempt failed. When <paramref name="RetryAt"/> is set the task waits for another attempt; otherwise
/// the task has failed for good.
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Error">What went wrong, classified.</param>
/// <param name="AttemptCount">Attempts made so far.</param>
/// <param name="RetryAt">When the next attempt is due, if there is one.</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskFailed(string TaskId, string TaskType, TaskError Error, int AttemptCount, DateTimeOffset? RetryAt, DateTimeOffset Timestamp)
    : TaskEvent(TaskId, Timestamp)
{
    /// <summary>The seed's flag: whether the error class allows retries at all.</summary>
    public bool Retryable => Error.IsRetryable;

    /// <summary>Whether this failure ends the task.</summary>
    public bool IsFinal => RetryAt is null;
}

/// <summary>The task was cancelled (waiting: it never starts; running: its token fired and it ended).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskType">Its type.</param>
/// <param name="Reason">Why, if given.</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskCancelled(string TaskId, string TaskType, string? Reason, DateTimeOffset Timestamp) : TaskEvent(TaskId, Timestamp);
