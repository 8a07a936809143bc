using System.Collections.Concurrent;
using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

public sealed class TaskQueueSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    private static readonly TaskSettings OneAtATime = TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None);

    [Fact]
    public async Task A_submit_told_without_a_sender_should_run_without_a_dead_letter_and_a_refused_one_should_be_logged()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters, typeof(Akka.Event.DeadLetter));
        var ran = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("fire", (n, _) =>
        {
            ran.TrySetResult(n);
            return Task.FromResult(n);
        }, OneAtATime)]);

        queue.Queue.Tell(new SubmitTask("fire", 7), ActorRefs.NoSender);
        Assert.Equal(7, await ran.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await EventFilter.Warning(contains: "No task type 'nope'").ExpectOneAsync(() =>
        {
            queue.Queue.Tell(new SubmitTask("nope", 1), ActorRefs.NoSender);
            return Task.CompletedTask;
        });
        await queue.ListAsync();

        // The queue has handled both submits (it answered the list after them); a dead letter of either would come first.
        Sys.DeadLetters.Tell("marker");
        Assert.Equal("marker", deadLetters.ExpectMsg<Akka.Event.DeadLetter>().Message);
    }

    [Fact]
    public async Task A_freed_slot_should_take_the_most_urgent_waiting_task_and_equal_priorities_in_submission_order()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<int>();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("ordered", async (n, _) =>
        {
            started.Enqueue(n);
            if (n < 0)
            {
                await gate.Task;
            }

            if (started.Count == 1_011)
            {
                allDone.TrySetResult();
            }

            return n;
        }, OneAtATime)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });

        Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("ordered", -1));
        await AwaitAssertAsync(() => Assert.Equal([-1], started));
        for (var i = 0; i < 1_000; i++)
        {
            await queue.SubmitAsync("ordered", i, priority: 2);
        }

        for (var i = 0; i < 10; i++)
        {
            await queue.SubmitAsync("ordered", 10_000 + i, priority: 9);
        }

        gate.SetResult();
        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var order = started.Skip(1).ToList();
        Assert.Equal(Enumerable.Range(10_000, 10), order.Take(10));
        Assert.Equal(Enumerable.Range(0, 1_000), order.Skip(10));
    }

    [Fact]
    public async Task Concurrency_limits_per_type_and_global_should_never_be_exceeded()
    {
        var running = new ConcurrentDictionary<string, int>();
        var highest = new ConcurrentDictionary<string, int>();
        var finished = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskDefinition Counted(string type, int limit) => TaskDefinition.Create<int, int>(type, async (n, _) =>
        {
            foreach (var key in new[] { type, "all" })
            {
                var now = running.AddOrUpdate(key, 1, (_, v) => v + 1);
                highest.AddOrUpdate(key, now, (_, v) => Math.Max(v, now));
            }

            // Work that keeps the slot a while (yields and a little CPU), so that handlers overlap.
            await Task.Yield();
            Thread.SpinWait(20_000);
            await Task.Yield();
            running.AddOrUpdate(type, 0, (_, v) => v - 1);
            running.AddOrUpdate("all", 0, (_, v) => v - 1);
            if (Interlocked.Increment(ref finished) == 120)
            {
                allDone.TrySetResult();
            }

            return n;
        }, TaskPresets.Analysis.WithConcurrencyLimit(limit));
        var queue = TaskQueue.Start(Sys, [Counted("two", 2), Counted("three", 3)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });

        await Task.WhenAll(Enumerable.Range(0, 60).SelectMany(i => new[] { queue.SubmitAsync("two", i), queue.SubmitAsync("three", i) }));
        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(highest["two"], 1, 2);
        Assert.InRange(highest["three"], 1, 3);
        Assert.InRange(highest["all"], 2, 4);
    }

    [Fact]
    public async Task Submit_should_answer_completed_within_the_window_or_accepted_and_complete_later()
    {
        var slow = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [
            TaskDefinition.Create<string, string>("quick", (s, _) => Task.FromResult(s.ToUpperInvariant()), TaskPresets.Analysis),
            TaskDefinition.Create<string, string>("slow", (_, _) => slow.Task, TaskPresets.Analysis),
        ], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskCompleted));

        var quick = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("quick", "done", wait: TimeSpan.FromSeconds(1)));
        ExpectMsg<TaskCompleted>();
        var accepted = Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("slow", "x", wait: TimeSpan.FromMilliseconds(100)));
        slow.SetResult("finally");

        Assert.Equal((TaskState.Completed, (object?)"DONE"), (quick.Record.Status, quick.Record.Result));
        Assert.Equal(accepted.TaskId, ExpectMsg<TaskCompleted>().TaskId);
        Assert.Equal("finally", (await queue.GetAsync(accepted.TaskId))!.Result);
    }

    [Fact]
    public async Task A_cancelled_waiting_task_should_never_start()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<int>();
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("one", async (n, _) =>
        {
            started.Enqueue(n);
            await gate.Task;
            return n;
        }, OneAtATime)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskCompleted));
        await queue.SubmitAsync("one", 1);
        var waiting = (SubmitAccepted)await queue.SubmitAsync("one", 2);
        var after = (SubmitAccepted)await queue.SubmitAsync("one", 3);

        Assert.IsType<TaskCancelRequested>(await queue.CancelAsync(waiting.TaskId, "not needed"));
        gate.SetResult();

        ExpectMsg<TaskCompleted>();
        Assert.Equal(after.TaskId, ExpectMsg<TaskCompleted>().TaskId);
        Assert.Equal([1, 3], started);
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(waiting.TaskId))!.Status);
        Assert.Equal(TaskState.Cancelled, Assert.IsType<TaskNotCancellable>(await queue.CancelAsync(waiting.TaskId)).Record?.Status);
        Assert.True(Assert.IsType<TaskNotCancellable>(await queue.CancelAsync("task-nope")).IsUnknown);
    }

    [Fact]
    public async Task Retry_should_run_a_failed_or_cancelled_task_again_as_a_new_task_with_its_input_and_priority()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failNext = 1;
        var queue = TaskQueue.Start(Sys, [
            TaskDefinition.Create<int, int>("flaky", (n, _) => Interlocked.Exchange(ref failNext, 0) == 1
                ? throw new RetryableTaskException("upstream down")
                : Task.FromResult(n * 2), OneAtATime),
            TaskDefinition.Create<int, int>("held", async (n, ct) =>
            {
                await gate.Task.WaitAsync(ct.CancellationToken);
                return n;
            }, OneAtATime),
        ], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });

        var failed = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("flaky", 21, priority: 7, wait: TimeSpan.FromSeconds(5))).Record;
        Assert.Equal(TaskState.Failed, failed.Status);
        var again = Assert.IsType<SubmitAccepted>(await queue.RetryAsync(failed.Id));
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Completed, (await queue.GetAsync(again.TaskId))!.Status));

        var retried = (await queue.GetAsync(again.TaskId))!;
        Assert.NotEqual(failed.Id, retried.Id);
        Assert.Equal((42, 7), ((int)retried.Result!, retried.Priority));
        Assert.Equal(TaskState.Failed, (await queue.GetAsync(failed.Id))!.Status);

        var running = (SubmitAccepted)await queue.SubmitAsync("held", 5);
        Assert.Equal(SubmitRejection.NotRetryable, Assert.IsType<SubmitRejected>(await queue.RetryAsync(running.TaskId)).Kind);
        Assert.Equal(SubmitRejection.NotRetryable, Assert.IsType<SubmitRejected>(await queue.RetryAsync(again.TaskId)).Kind);
        await queue.CancelAsync(running.TaskId);
        var revived = Assert.IsType<SubmitAccepted>(await queue.RetryAsync(running.TaskId));
        gate.SetResult();
        await AwaitAssertAsync(async () => Assert.Equal((TaskState.Completed, (object?)5), ((await queue.GetAsync(revived.TaskId))!.Status, (await queue.GetAsync(revived.TaskId))!.Result)));
        Assert.Equal(SubmitRejection.UnknownTask, Assert.IsType<SubmitRejected>(await queue.RetryAsync("task-nope")).Kind);
    }

    /// <summary>
    /// The records kept after tasks finish (<c>keep-finished</c>): a completed task that needs only its record is kept as
    /// an entry, the others as their runs (decision 0025); either way they answer as they did and go oldest first.
    /// </summary>
    [Fact]
    public async Task Finished_tasks_should_answer_with_their_records_until_the_oldest_are_forgotten_in_the_order_they_finished()
    {
        var queue = TaskQueue.Start(Sys, [
            TaskDefinition.Create<int, int>("echo", (n, _) => Task.FromResult(n * 10), OneAtATime),
            TaskDefinition.Create<int, int>("fail", (_, _) => throw new FatalTaskException("no"), OneAtATime),
        ], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 1, KeepFinished = 3 });

        async Task<TaskRecord> Finish(string type, int input, string? key = null) =>
            Assert.IsType<SubmitCompleted>(await queue.SubmitAsync(type, input, wait: TimeSpan.FromSeconds(10), idempotencyKey: key)).Record;

        var first = await Finish("echo", 1);
        var failed = await Finish("fail", 2);
        var third = await Finish("echo", 3);
        var keyed = await Finish("echo", 4, key: "four");
        var fifth = await Finish("echo", 5);

        // Kept: the last three to finish, whether an entry (third, fifth) or a run (keyed); forgotten: first and failed.
        Assert.Null(await queue.GetAsync(first.Id));
        Assert.Null(await queue.GetAsync(failed.Id));
        Assert.Equal(third, await queue.GetAsync(third.Id));
        Assert.Equal(keyed, await queue.GetAsync(keyed.Id));
        Assert.Equal(fifth, await queue.GetAsync(fifth.Id));
        Assert.Equal((TaskState.Completed, (object?)50, 100d), (fifth.Status, fifth.Result, fifth.Progress));
        Assert.Equal([fifth, keyed, third], (await queue.ListAsync()).OrderByDescending(r => r.Id, StringComparer.Ordinal));
        Assert.Equal(2, (await queue.ListAsync(TaskState.Completed, limit: 2)).Count);
        Assert.Empty(await queue.ListAsync(TaskState.Failed));

        // One task has one id: the number with a leading zero is no id of the queue's.
        Assert.Null(await queue.GetAsync(third.Id.Replace("task-", "task-0", StringComparison.Ordinal)));

        Assert.Equal(third, Assert.IsType<TaskNotCancellable>(await queue.CancelAsync(third.Id)).Record);
        Assert.True(Assert.IsType<TaskNotCancellable>(await queue.CancelAsync(first.Id)).IsUnknown);
        Assert.Equal(SubmitRejection.NotRetryable, Assert.IsType<SubmitRejected>(await queue.RetryAsync(third.Id)).Kind);
        Assert.Equal(SubmitRejection.UnknownTask, Assert.IsType<SubmitRejected>(await queue.RetryAsync(failed.Id)).Kind);
        Assert.Equal(keyed, Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", 4, idempotencyKey: "four")).Record);

        // The next to finish pushes out the oldest kept: the third.
        var sixth = await Finish("echo", 6);
        Assert.Null(await queue.GetAsync(third.Id));
        Assert.Equal([sixth, fifth, keyed], (await queue.ListAsync()).OrderByDescending(r => r.Id, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cancelling_a_running_task_should_fire_its_handlers_token()
    {
        var observed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("long", async (n, context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return n;
            }
            catch (OperationCanceledException)
            {
                observed.TrySetResult();
                throw;
            }
        }, TaskPresets.Analysis)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        var running = (SubmitAccepted)await queue.SubmitAsync("long", 1);
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Running, (await queue.GetAsync(running.TaskId))!.Status));

        Assert.IsType<TaskCancelRequested>(await queue.CancelAsync(running.TaskId, "user pressed stop"));

        await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(running.TaskId))!.Status);
    }

    [Fact]
    public async Task Bad_submits_should_be_rejected_naming_the_problem_and_the_queue_should_keep_serving()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("square", (n, _) => Task.FromResult(n * n), TaskPresets.Analysis)
            .WithValidation<int>(n => n >= 0 ? null : $"n must not be negative; it is {n}.")], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });

        var unknown = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("cube", 2));
        var priority = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("square", 2, priority: 11));
        var invalid = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("square", -2));
        var mistyped = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("square", "two"));
        var fine = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("square", 3, wait: TimeSpan.FromSeconds(5)));

        Assert.Equal(SubmitRejection.UnknownType, unknown.Kind);
        Assert.Contains("known types: square", unknown.Reason);
        Assert.Contains("priority must be from 1 to 10", priority.Reason);
        Assert.Equal("input: n must not be negative; it is -2.", invalid.Reason);
        Assert.Contains("takes Int32 inputs", mistyped.Reason);
        Assert.Equal(9, fine.Record.Result);
    }
}
