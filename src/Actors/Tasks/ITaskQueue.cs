using Akka.Actor;

namespace Actors.Tasks;

/// <summary>
/// Submits, cancels and looks up background tasks. A thin facade over the task queue actor; the same can
/// be done with the messages in <c>TasksProtocol.cs</c>.
/// </summary>
public interface ITaskQueue
{
    /// <summary>The queue's actor, for message-driven use.</summary>
    IActorRef Queue { get; }

    /// <summary>
    /// Submits a task and waits up to <paramref name="wait"/> for it to end: <see cref="SubmitCompleted"/> if
    /// it did, <see cref="SubmitAccepted"/> (with its id) if it goes on, <see cref="SubmitRejected"/> if refused.
    /// </summary>
    Task<SubmitResult> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, TimeSpan? wait = null, string? idempotencyKey = null,
        TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a task: a waiting one never starts, a running one's token fires. Answers
    /// <see cref="TaskCancelRequested"/> with the cancelled record, or <see cref="TaskNotCancellable"/> for a task that is
    /// unknown (<see cref="TaskNotCancellable.IsUnknown"/>) or has already ended (with its record).
    /// </summary>
    Task<CancelResult> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a failed or cancelled task again as a new task (same type, input, priority): <see cref="SubmitAccepted"/> with the
    /// new id, or <see cref="SubmitRejected"/> (<see cref="SubmitRejection.UnknownTask"/>, <see cref="SubmitRejection.NotRetryable"/>, ...).
    /// </summary>
    Task<SubmitResult> RetryAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>A task's record, or null if unknown.</summary>
    Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Tasks, newest first, optionally only those in one state.</summary>
    Task<IReadOnlyList<TaskRecord>> ListAsync(TaskState? status = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the queue accepts submits now: not while it recovers from its journal or shuts down. A queue
    /// restarting after a failed journal write does not answer (the ask times out): treat that as not accepting.
    /// </summary>
    Task<TaskQueueStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>How each task type fares: breaker, adaptive limit, error rate, p95 latency, rate limit (<see cref="GetTaskTypeHealth"/>).</summary>
    Task<IReadOnlyList<TaskTypeHealth>> GetTypeHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The task's events from now on, ending with its terminal event; empty if the task is unknown or has
    /// already ended (read its record with <see cref="GetAsync"/>).
    /// </summary>
    IAsyncEnumerable<TaskEvent> WatchAsync(string taskId, CancellationToken cancellationToken = default);
}

