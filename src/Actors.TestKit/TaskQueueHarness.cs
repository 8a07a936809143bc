using Actors.Tasks;
using Akka.Actor;
using Akka.TestKit;

namespace Actors.TestKit;

/// <summary>
/// A real task queue in a TestKit's actor system, with its events kept per task and a virtual clock:
/// submit, advance time, read a task's events, assert its record. Retries, backoffs, time-to-live and
/// timeouts run on the clock, so a test of a minute of backoff takes milliseconds. Handlers run for real
/// (on the thread pool); their own <c>Task.Delay</c> calls use real time.
/// </summary>
/// <example>
/// <code>
/// public sealed class FlakySpecs() : Akka.TestKit.Xunit2.TestKit(ActorsTestConfig.VirtualTime)
/// {
///     [Fact]
///     public async Task Retries_then_fails()
///     {
///         using var harness = TaskQueueHarness.Start(this, flaky);
///         var id = await harness.SubmitAsync("flaky", 1);
///         var record = await harness.RunToEndAsync(id);   // advances the clock to each retry
///         Assert.Equal(TaskState.Failed, record.Status);
///     }
/// }
/// </code>
/// </example>
public sealed class TaskQueueHarness : IDisposable
{
    private readonly ActorSystem _system;
    private readonly EventLog<TaskEvent> _events;

    private TaskQueueHarness(ActorSystem system, EventLog<TaskEvent> events, ITaskQueue queue)
    {
        _system = system;
        _events = events;
        Queue = queue;
    }

    /// <summary>The queue, for anything the harness does not wrap (rejections, cancel, watch).</summary>
    public ITaskQueue Queue { get; }

    /// <summary>How long (real time) the harness waits for an event before it fails the test; 10 s unless set.</summary>
    public TimeSpan EventTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The virtual clock's time (what the queue stamps on its events).</summary>
    public DateTimeOffset Now => _system.Scheduler.Now;

    /// <summary>Starts the queue with <paramref name="definitions"/> in <paramref name="testKit"/>'s system, which must use <see cref="ActorsTestConfig.VirtualTime"/>.</summary>
    public static TaskQueueHarness Start(TestKitBase testKit, params TaskDefinition[] definitions) => Start(testKit, definitions, settings: null);

    /// <summary>Starts the queue with <paramref name="definitions"/> and <paramref name="settings"/> (null: from <c>actors.tasks</c>).</summary>
    /// <exception cref="InvalidOperationException">The system has no virtual clock, or a queue already runs in it.</exception>
    public static TaskQueueHarness Start(TestKitBase testKit, IReadOnlyCollection<TaskDefinition> definitions, TaskQueueSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(testKit);
        VirtualClock.Of(testKit.Sys);
        var events = new EventLog<TaskEvent>(testKit.Sys, e => e.TaskId);
        return new TaskQueueHarness(testKit.Sys, events, TaskQueue.Start(testKit.Sys, definitions, settings));
    }

    /// <summary>Submits a task and returns its id.</summary>
    /// <exception cref="InvalidOperationException">The queue refused it (the message says why); test refusals through <see cref="Queue"/>.</exception>
    public async Task<string> SubmitAsync(string type, object? input, int priority = TaskPriority.Default, string? idempotencyKey = null, TimeSpan? timeToLive = null) =>
        await Queue.SubmitAsync(type, input, priority, wait: null, idempotencyKey, timeToLive).ConfigureAwait(false) switch
        {
            SubmitAccepted accepted => accepted.TaskId,
            SubmitCompleted completed => completed.Record.Id,
            SubmitRejected rejected => throw new InvalidOperationException($"The queue refused the '{type}' task ({rejected.Kind}): {rejected.Reason}"),
            var other => throw new InvalidOperationException($"Unexpected answer {other}."),
        };

    /// <summary>Moves the virtual clock forward: every timer due by then fires (retries, time-to-live, timeouts).</summary>
    public void Advance(TimeSpan by) => VirtualClock.Of(_system).Advance(by);

    /// <summary>Moves the virtual clock to <paramref name="when"/> (nothing happens if it is past).</summary>
    public void AdvanceTo(DateTimeOffset when)
    {
        if (when > Now)
        {
            Advance(when - Now);
        }
    }

    /// <summary>The task's events so far, in order.</summary>
    public IReadOnlyList<TaskEvent> EventsOf(string taskId) => _events.Of(taskId);

    /// <summary>The task's next event (progress included) not yet returned by this method or <see cref="ExpectAsync{TEvent}"/>.</summary>
    /// <exception cref="TimeoutException">None came within <see cref="EventTimeout"/>.</exception>
    public Task<TaskEvent> NextEventAsync(string taskId) => _events.NextAsync(taskId, EventTimeout, "event");

    /// <summary>The task's next event other than progress, which must be a <typeparamref name="TEvent"/>.</summary>
    /// <exception cref="InvalidOperationException">Another event came first (the message names it).</exception>
    public async Task<TEvent> ExpectAsync<TEvent>(string taskId)
        where TEvent : TaskEvent
    {
        var next = await NextEventAsync(taskId).ConfigureAwait(false);
        while (next is TaskProgress)
        {
            next = await NextEventAsync(taskId).ConfigureAwait(false);
        }

        return next as TEvent ?? throw new InvalidOperationException($"Expected {typeof(TEvent).Name} of {taskId}, but {next} came first.");
    }

    /// <summary>
    /// Follows the task to its end: whenever an attempt fails with a retry due, moves the clock to that
    /// moment. Returns the final record. (A task that waits on anything else, say a slot a blocked task
    /// holds, fails this with a timeout that lists its events.)
    /// </summary>
    public async Task<TaskRecord> RunToEndAsync(string taskId)
    {
        while (true)
        {
            switch (await NextEventAsync(taskId).ConfigureAwait(false))
            {
                case TaskFailed { RetryAt: { } due }:
                    AdvanceTo(due);
                    break;
                case TaskCompleted or TaskFailed or TaskCancelled:
                    return await GetRecordAsync(taskId).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The task's record.</summary>
    /// <exception cref="InvalidOperationException">The queue knows no such task.</exception>
    public async Task<TaskRecord> GetRecordAsync(string taskId) =>
        await Queue.GetAsync(taskId).ConfigureAwait(false) ?? throw new InvalidOperationException($"The queue knows no task '{taskId}'.");

    /// <summary>Stops collecting events (the queue stops with the TestKit's system).</summary>
    public void Dispose() => _events.Dispose();
}
