using Akka.Actor;

namespace Actors.Tasks;

// The public protocol of the task queue. Anything ITaskQueue does, an actor can do with these.

/// <summary>A command the task queue accepts.</summary>
public interface ITaskQueueCommand;

/// <summary>
/// Submits a task. Replies <see cref="SubmitCompleted"/> if the task ends within <paramref name="Wait"/>,
/// <see cref="SubmitAccepted"/> if it goes on in the background, or <see cref="SubmitRejected"/>.
/// </summary>
/// <param name="Type">The task type.</param>
/// <param name="Input">The handler's input.</param>
/// <param name="Priority">1 to 10, 10 most urgent.</param>
/// <param name="Wait">How long the submitter waits for the task to end before it is told accepted (null or zero: at once).</param>
/// <param name="IdempotencyKey">A second submit of the same type with the same key and input gets the first task (while its record is kept);
/// with another input it is rejected (<see cref="SubmitRejection.IdempotencyConflict"/>). Keys are scoped to their type, at most 200 characters.</param>
/// <param name="TimeToLive">How long it may wait for a slot before it fails as expired; null for <c>actors.tasks.time-to-live</c>.</param>
/// <param name="Upstream">Results the handler may read (<see cref="ITaskContext.Upstream"/>), by name: a flow passes its node's
/// dependencies' results so. Data only (they are stored with the task as JSON).</param>
/// <param name="Watcher">Also watch the task (as <see cref="WatchTask"/>): once it is accepted (or, for a submit that gets an earlier
/// task, at once) this actor gets its record in a <see cref="TaskRecordReply"/> (whose idempotency key tells an actor that submits
/// many apart), then each of its events. Saves the round trip of a separate watch.</param>
/// <param name="TraceParent">The W3C trace context (<c>traceparent</c>) its attempts' spans continue (the facade sets it from its submit span);
/// stored with the task, so an attempt after a restart joins the same trace.</param>
public sealed record SubmitTask(
    string Type,
    object? Input,
    int Priority = TaskPriority.Default,
    TimeSpan? Wait = null,
    string? IdempotencyKey = null,
    TimeSpan? TimeToLive = null,
    IReadOnlyDictionary<string, object?>? Upstream = null,
    IActorRef? Watcher = null,
    string? TraceParent = null) : ITaskQueueCommand;

/// <summary>The reply to <see cref="SubmitTask"/>.</summary>
public abstract record SubmitResult;

/// <summary>The task ended within the submitter's wait: its record says how (completed, failed or cancelled).</summary>
/// <param name="Record">The task's record.</param>
public sealed record SubmitCompleted(TaskRecord Record) : SubmitResult;

/// <summary>The task was accepted and goes on in the background.</summary>
/// <param name="TaskId">Its id, for <see cref="GetTask"/> and <see cref="CancelTask"/>.</param>
public sealed record SubmitAccepted(string TaskId) : SubmitResult;

/// <summary>Why a submit was refused.</summary>
public enum SubmitRejection
{
    /// <summary>No task type of that name is registered.</summary>
    UnknownType,

    /// <summary>The input or an option is not valid.</summary>
    InvalidInput,

    /// <summary>The queue holds as many unfinished tasks as its capacity allows.</summary>
    QueueFull,

    /// <summary>The service is shutting down and takes no new tasks.</summary>
    ShuttingDown,

    /// <summary>The journal could not store the task, so it was not accepted; the queue restarts from its journal.</summary>
    StorageFailed,

    /// <summary>The idempotency key was used before, for a task of the same type with another input.</summary>
    IdempotencyConflict,

    /// <summary>A retry named a task that is not known (never was, or its record has been forgotten).</summary>
    UnknownTask,

    /// <summary>A retry named a task that has not failed or been cancelled (<see cref="RetryTask"/>).</summary>
    NotRetryable,
}

/// <summary>The task was not accepted.</summary>
/// <param name="Kind">Why, as a category.</param>
/// <param name="Reason">Why, for people: names the field or value at fault.</param>
public sealed record SubmitRejected(SubmitRejection Kind, string Reason) : SubmitResult;

/// <summary>Cancels a task. Replies <see cref="TaskCancelRequested"/> or <see cref="TaskNotCancellable"/>.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Reason">Why, recorded in <see cref="TaskCancelled"/>.</param>
public sealed record CancelTask(string TaskId, string? Reason = null) : ITaskQueueCommand;

/// <summary>
/// Runs a failed or cancelled task again, as a new task of the same type, input, priority and upstream results (its record
/// stays as it ended). Replies <see cref="SubmitAccepted"/> with the new task's id, or <see cref="SubmitRejected"/>:
/// <see cref="SubmitRejection.UnknownTask"/>, <see cref="SubmitRejection.NotRetryable"/> (it is still going, or completed),
/// or any reason a submit may be refused.
/// </summary>
/// <param name="TaskId">The failed or cancelled task.</param>
public sealed record RetryTask(string TaskId) : ITaskQueueCommand;

/// <summary>The answer to <see cref="CancelTask"/>: <see cref="TaskCancelRequested"/> or <see cref="TaskNotCancellable"/>.</summary>
public abstract record CancelResult;

/// <summary>The task is cancelled: a waiting one never starts; a running one's token has fired.</summary>
/// <param name="Record">The task's record, now cancelled.</param>
public sealed record TaskCancelRequested(TaskRecord Record) : CancelResult;

/// <summary>The task cannot be cancelled: it is unknown (<paramref name="Record"/> is null) or has already ended.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Reason">Which, for people.</param>
/// <param name="Record">The ended task's record; null when no task of that id is known.</param>
public sealed record TaskNotCancellable(string TaskId, string Reason, TaskRecord? Record = null) : CancelResult
{
    /// <summary>Whether no task of that id is known (never was, or its record has been forgotten).</summary>
    public bool IsUnknown => Record is null;
}

/// <summary>Asks for a task's record. Replies <see cref="TaskRecordReply"/>.</summary>
/// <param name="TaskId">The task.</param>
public sealed record GetTask(string TaskId) : ITaskQueueCommand;

/// <summary>The reply to <see cref="GetTask"/>.</summary>
/// <param name="TaskId">The task asked for.</param>
/// <param name="Record">Its record, or null if unknown.</param>
public sealed record TaskRecordReply(string TaskId, TaskRecord? Record);

/// <summary>Lists tasks, newest first. Replies <see cref="TaskList"/>.</summary>
/// <param name="Status">Only tasks in this state; null for all.</param>
/// <param name="Limit">At most this many.</param>
public sealed record ListTasks(TaskState? Status = null, int Limit = 100) : ITaskQueueCommand;

/// <summary>Asks whether the queue accepts submits now. Replies <see cref="TaskQueueStatus"/>, also while it recovers.</summary>
public sealed record GetTaskQueueStatus : ITaskQueueCommand
{
    /// <summary>The one instance.</summary>
    public static readonly GetTaskQueueStatus Instance = new();

    private GetTaskQueueStatus()
    {
    }
}

/// <summary>The reply to <see cref="GetTaskQueueStatus"/>.</summary>
/// <param name="AcceptsSubmits">Whether a submit now would be taken (not recovering from its journal, not shutting down).</param>
/// <param name="Reason">Why not, for people; what it holds when it does.</param>
public sealed record TaskQueueStatus(bool AcceptsSubmits, string Reason);

/// <summary>The reply to <see cref="ListTasks"/>.</summary>
/// <param name="Tasks">The records, newest first.</param>
public sealed record TaskList(IReadOnlyList<TaskRecord> Tasks);

/// <summary>
/// Subscribes an actor to one task: it gets the task's record at once (<see cref="TaskRecordReply"/>), then
/// each of its events, the last one terminal. An unknown task is answered with a null record.
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="Subscriber">The actor to tell.</param>
public sealed record WatchTask(string TaskId, IActorRef Subscriber) : ITaskQueueCommand;

/// <summary>Asks how each task type fares (breaker, adaptive limit, error rate, latency, rate limit). Replies <see cref="TaskTypeHealthReport"/>.</summary>
public sealed record GetTaskTypeHealth : ITaskQueueCommand
{
    /// <summary>The one instance.</summary>
    public static readonly GetTaskTypeHealth Instance = new();

    private GetTaskTypeHealth()
    {
    }
}

/// <summary>The reply to <see cref="GetTaskTypeHealth"/>: one entry per task type, by name.</summary>
/// <param name="Types">The types.</param>
public sealed record TaskTypeHealthReport(IReadOnlyList<TaskTypeHealth> Types);

/// <summary>How one task type fares, from its last attempts (up to 100).</summary>
/// <param name="Type">The type.</param>
/// <param name="Circuit">Its breaker's state (<see cref="TaskCircuitState.Closed"/> when it has none).</param>
/// <param name="ConcurrencyLimit">How many may run at once now (the adaptive limit, when it has one).</param>
/// <param name="Running">Attempts running.</param>
/// <param name="Waiting">Tasks waiting to start (cancelled ones may be counted until they reach the head).</param>
/// <param name="RecentAttempts">How many attempts the rates and latency below come from.</param>
/// <param name="ErrorRate">The share of those that failed (retryable failures and timeouts), 0 to 1.</param>
/// <param name="P95LatencyMs">The 95th percentile of their durations, in milliseconds; null before any.</param>
/// <param name="RatePermits">With a rate limit: the permits left this second; null without one.</param>
/// <param name="RateCoolingDown">With a rate limit: whether it is cooling down after bursts.</param>
/// <param name="Key">For a type with a policy key (<see cref="TaskDefinition.WithPolicyKey"/>): the key these policies are of; null for the type's own entry.</param>
public sealed record TaskTypeHealth(string Type, TaskCircuitState Circuit, int ConcurrencyLimit, int Running, int Waiting, int RecentAttempts, double ErrorRate,
    double? P95LatencyMs, int? RatePermits, bool RateCoolingDown, string? Key = null)
{
    /// <summary>The type, or <c>type[key]</c> for a policy key's entry.</summary>
    public string Name => Key is null ? Type : $"{Type}[{Key}]";
}

/// <summary>A task type's circuit breaker (or one of its policy key's) changed state (published on the event stream, like task events).</summary>
/// <param name="TaskType">The type.</param>
/// <param name="State">Its new state.</param>
/// <param name="Reason">Why, for people.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Key">The policy key whose breaker it is; null for the type's own.</param>
public sealed record TaskCircuitChanged(string TaskType, TaskCircuitState State, string Reason, DateTimeOffset Timestamp, string? Key = null);

/// <summary>
/// The queue's load shedding changed (<see cref="TaskQueueSettings.LoadShedding"/>): tasks of a priority below
/// <paramref name="HeldBelowPriority"/> do not start until the load eases (0: every priority starts).
/// </summary>
/// <param name="HeldBelowPriority">Priorities below this are held back; 0 for none, at most 8.</param>
/// <param name="Load">The load read (1 or more is overloaded).</param>
/// <param name="Timestamp">When.</param>
public sealed record TaskLoadShed(int HeldBelowPriority, double Load, DateTimeOffset Timestamp);

/// <summary>Limits the queue enforces on what it is sent.</summary>
public static class TaskQueueLimits
{
    /// <summary>The longest idempotency key accepted: keys are kept with every record they name, so longer ones are refused rather than stored.</summary>
    public const int MaxIdempotencyKeyLength = 200;
}
