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
    Task<SubmitResult> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, TimeSpan? wait = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels a task: a waiting one never starts, a running one's token fires. False if it is unknown or has ended.</summary>
    Task<bool> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>A task's record, or null if unknown.</summary>
    Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default);
}

/// <summary>Starts the task queue (what <c>WithTaskQueue</c> calls for you).</summary>
public static class TaskQueue
{
    /// <summary>
    /// Starts the queue (<c>/user/tasks</c>) with one lane per definition.
    /// </summary>
    /// <param name="system">The actor system (its configuration must include <c>hocon/tasks.conf</c>, which <c>WithTaskQueue</c> adds).</param>
    /// <param name="definitions">The task types; names must be unique.</param>
    /// <param name="globalConcurrency">How many tasks run at once across all types: at least 1.</param>
    /// <param name="askTimeout">How long the facade waits for the queue to answer (not for tasks): positive.</param>
    public static ITaskQueue Start(ActorSystem system, IReadOnlyCollection<TaskDefinition> definitions, int globalConcurrency, TimeSpan askTimeout)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(askTimeout, TimeSpan.Zero);
        var duplicate = definitions.GroupBy(d => d.Type, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Task type '{duplicate.Key}' is defined {duplicate.Count()} times; each type needs one definition.", nameof(definitions));
        }

        if (!system.Settings.Config.HasPath(TaskLaneMailbox.ConfigPath))
        {
            throw new InvalidOperationException($"'{TaskLaneMailbox.ConfigPath}' is not in the actor system's configuration: start the queue with akka.WithTaskQueue(...), or add ActorsConfig.Defaults to the system's configuration.");
        }

        var queue = system.ActorOf(TaskQueueActor.Props(definitions, globalConcurrency), "tasks");
        return new TaskQueueClient(queue, askTimeout);
    }
}

/// <summary>The <see cref="ITaskQueue"/> facade.</summary>
internal sealed class TaskQueueClient(IActorRef queue, TimeSpan askTimeout) : ITaskQueue
{
    public IActorRef Queue { get; } = queue;

    public Task<SubmitResult> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        return Queue.Ask<SubmitResult>(new SubmitTask(type, input, priority, wait), askTimeout + (wait ?? TimeSpan.Zero), cancellationToken);
    }

    public async Task<bool> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default) =>
        await Queue.Ask<object>(new CancelTask(taskId, reason), askTimeout, cancellationToken).ConfigureAwait(false) is TaskCancelRequested;

    public async Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default) =>
        (await Queue.Ask<TaskRecordReply>(new GetTask(taskId), askTimeout, cancellationToken).ConfigureAwait(false)).Record;
}
