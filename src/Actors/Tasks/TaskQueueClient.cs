using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Actors.Common;
using Akka.Actor;

namespace Actors.Tasks;

/// <summary>The <see cref="ITaskQueue"/> facade: Ask and Tell over the queue's protocol.</summary>
internal sealed class TaskQueueClient(ActorSystem system, IActorRef queue, TimeSpan askTimeout) : ITaskQueue
{
    public IActorRef Queue { get; } = queue;

    public Task<SubmitResult> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, TimeSpan? wait = null, string? idempotencyKey = null,
        TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var span = TaskTracing.StartSubmit(type);
        var submitting = Queue.AskLocal<SubmitResult>(new SubmitTask(type, input, priority, wait, idempotencyKey, timeToLive, TraceParent: span?.Id),
            askTimeout + (wait ?? TimeSpan.Zero), cancellationToken);
        return span is null ? submitting : Traced(submitting, span);
    }

    private static async Task<SubmitResult> Traced(Task<SubmitResult> submitting, System.Diagnostics.Activity span)
    {
        using (span)
        {
            var result = await submitting.ConfigureAwait(false);
            span.SetTag("task.id", result switch { SubmitAccepted accepted => accepted.TaskId, SubmitCompleted completed => completed.Record.Id, _ => null });
            if (result is SubmitRejected rejected)
            {
                span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, rejected.Reason);
            }

            return result;
        }
    }

    public Task<CancelResult> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default) =>
        Queue.AskLocal<CancelResult>(new CancelTask(taskId, reason), askTimeout, cancellationToken);

    public Task<SubmitResult> RetryAsync(string taskId, CancellationToken cancellationToken = default) =>
        Queue.AskLocal<SubmitResult>(new RetryTask(taskId), askTimeout, cancellationToken);

    public async Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default) =>
        (await Queue.AskLocal<TaskRecordReply>(new GetTask(taskId), askTimeout, cancellationToken).ConfigureAwait(false)).Record;

    public Task<TaskQueueStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        Queue.AskLocal<TaskQueueStatus>(GetTaskQueueStatus.Instance, askTimeout, cancellationToken);

    public async Task<IReadOnlyList<TaskTypeHealth>> GetTypeHealthAsync(CancellationToken cancellationToken = default) =>
        (await Queue.AskLocal<TaskTypeHealthReport>(GetTaskTypeHealth.Instance, askTimeout, cancellationToken).ConfigureAwait(false)).Types;

    public async Task<IReadOnlyList<TaskRecord>> ListAsync(TaskState? status = null, int limit = 100, CancellationToken cancellationToken = default) =>
        (await Queue.AskLocal<TaskList>(new ListTasks(status, limit), askTimeout, cancellationToken).ConfigureAwait(false)).Tasks;

    public async IAsyncEnumerable<TaskEvent> WatchAsync(string taskId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<TaskEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var watcher = system.ActorOf(Props.Create(() => new TaskWatcher(channel.Writer)));

        // Told here, on the caller's thread, so the subscription is in place before anything the caller does next.
        Queue.Tell(new WatchTask(taskId, watcher));
        try
        {
            await foreach (var taskEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return taskEvent;
            }
        }
        finally
        {
            system.Stop(watcher);
        }
    }

    /// <summary>Watches one task for the facade, writing its events to a channel until the terminal one.</summary>
    private sealed class TaskWatcher(ChannelWriter<TaskEvent> events) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case TaskRecordReply { Record: null } or TaskRecordReply { Record.IsTerminal: true }:
                    events.TryComplete();
                    break;
                case TaskEvent taskEvent:
                    events.TryWrite(taskEvent);
                    if (taskEvent is TaskCompleted or TaskCancelled or TaskFailed { IsFinal: true })
                    {
                        events.TryComplete();
                    }

                    break;
            }
        }

        protected override void PostStop() => events.TryComplete();
    }
}

/// <summary>The DI <see cref="ITaskQueue"/>: the started queue, found on first use.</summary>
internal sealed class RegisteredTaskQueue(ActorSystem system) : ITaskQueue
{
    private ITaskQueue Started => StartedFacade<ITaskQueue>.Get(system, "Add akka.WithTaskQueue(tasks => tasks.Add(...)).");

    public IActorRef Queue => Started.Queue;

    public Task<SubmitResult> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, TimeSpan? wait = null, string? idempotencyKey = null,
        TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        Started.SubmitAsync(type, input, priority, wait, idempotencyKey, timeToLive, cancellationToken);

    public Task<CancelResult> CancelAsync(string taskId, string? reason = null, CancellationToken cancellationToken = default) => Started.CancelAsync(taskId, reason, cancellationToken);

    public Task<SubmitResult> RetryAsync(string taskId, CancellationToken cancellationToken = default) => Started.RetryAsync(taskId, cancellationToken);

    public Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default) => Started.GetAsync(taskId, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> ListAsync(TaskState? status = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Started.ListAsync(status, limit, cancellationToken);

    public Task<TaskQueueStatus> GetStatusAsync(CancellationToken cancellationToken = default) => Started.GetStatusAsync(cancellationToken);

    public Task<IReadOnlyList<TaskTypeHealth>> GetTypeHealthAsync(CancellationToken cancellationToken = default) => Started.GetTypeHealthAsync(cancellationToken);

    public IAsyncEnumerable<TaskEvent> WatchAsync(string taskId, CancellationToken cancellationToken = default) => Started.WatchAsync(taskId, cancellationToken);
}
