using System.Collections.Concurrent;
using Actors.Configuration;
using Actors.Hosting;
using Actors.Tasks;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

public sealed class TaskQueueFeatureSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    private static TaskDefinition Echo(TaskCompletionSource? gate = null, string type = "echo") => TaskDefinition.Create<string, string>(type, async (s, _) =>
    {
        if (gate is not null)
        {
            await gate.Task;
        }

        return s;
    }, TaskPresets.Analysis.WithConcurrencyLimit(1));

    [Fact]
    public async Task A_second_submit_with_the_same_idempotency_key_and_input_should_get_the_first_task()
    {
        var queue = TaskQueue.Start(Sys, [Echo()]);

        var first = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: "order-42"));
        var second = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: "order-42"));

        Assert.Equal(first.Record.Id, second.Record.Id);
        Assert.Equal("one", second.Record.Result);
        Assert.Equal("order-42", first.Record.IdempotencyKey);
    }

    [Fact]
    public async Task A_reused_idempotency_key_with_another_input_should_be_rejected_naming_the_key()
    {
        var queue = TaskQueue.Start(Sys, [Echo()]);

        var first = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: "order-43"));
        var second = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("echo", "two", wait: TimeSpan.FromSeconds(5), idempotencyKey: "order-43"));

        Assert.Equal(SubmitRejection.IdempotencyConflict, second.Kind);
        Assert.Contains("'order-43'", second.Reason);
        Assert.Contains(first.Record.Id, second.Reason);
    }

    [Fact]
    public async Task Idempotency_keys_should_be_scoped_to_their_task_type()
    {
        var queue = TaskQueue.Start(Sys, [Echo(), Echo(type: "echo.other")]);

        var first = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: "shared"));
        var other = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo.other", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: "shared"));

        Assert.NotEqual(first.Record.Id, other.Record.Id);
        Assert.Equal("echo.other", other.Record.Type);
    }

    [Fact]
    public async Task An_idempotency_key_over_200_characters_should_be_refused_not_stored()
    {
        var queue = TaskQueue.Start(Sys, [Echo()]);

        var refused = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("echo", "one", idempotencyKey: new string('k', TaskQueueLimits.MaxIdempotencyKeyLength + 1)));
        var longest = await queue.SubmitAsync("echo", "one", wait: TimeSpan.FromSeconds(5), idempotencyKey: new string('k', TaskQueueLimits.MaxIdempotencyKeyLength));

        Assert.Equal(SubmitRejection.InvalidInput, refused.Kind);
        Assert.IsType<SubmitCompleted>(longest);
    }

    [Fact]
    public async Task A_full_queue_should_reject_submits_until_tasks_finish()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [Echo(gate)], TaskQueueSettings.Create(Sys) with { Capacity = 2 });

        await queue.SubmitAsync("echo", "a");
        await queue.SubmitAsync("echo", "b");
        var full = Assert.IsType<SubmitRejected>(await queue.SubmitAsync("echo", "c"));
        gate.SetResult();
        await AwaitAssertAsync(async () => Assert.Equal(2, (await queue.ListAsync(TaskState.Completed)).Count));

        Assert.Equal(SubmitRejection.QueueFull, full.Kind);
        Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("echo", "d"));
    }

    [Fact]
    public async Task WatchAsync_should_yield_a_tasks_events_up_to_its_terminal_one_and_List_should_filter_by_state()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [Echo(gate)]);
        var running = (SubmitAccepted)await queue.SubmitAsync("echo", "first");
        var waiting = (SubmitAccepted)await queue.SubmitAsync("echo", "second");
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Running, (await queue.GetAsync(running.TaskId))!.Status));

        var watched = new List<TaskEvent>();
        await using var watch = queue.WatchAsync(waiting.TaskId).GetAsyncEnumerator();
        var next = watch.MoveNextAsync();
        Assert.Equal([waiting.TaskId], (await queue.ListAsync(TaskState.Waiting)).Select(r => r.Id));
        gate.SetResult();
        while (await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            watched.Add(watch.Current);
            next = watch.MoveNextAsync();
        }

        Assert.Equal([typeof(TaskStarted), typeof(TaskCompleted)], watched.Select(e => e.GetType()));
        Assert.Empty(await queue.WatchAsync(running.TaskId).ToListAsync());
    }

    [Fact]
    public async Task WithTaskQueue_should_register_the_queue_in_DI_and_the_registry()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("tasks-hosted", (akka, _) => akka.WithTaskQueue(tasks => tasks.Add(Echo())));
        using var host = builder.Build();
        await host.StartAsync();

        var queue = host.Services.GetRequiredService<ITaskQueue>();
        var registered = await host.Services.GetRequiredService<Akka.Hosting.IRequiredActor<ITaskQueue>>().GetAsync();
        var done = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("echo", "hi", wait: TimeSpan.FromSeconds(5)));

        Assert.Equal("hi", done.Record.Result);
        Assert.Equal(queue.Queue, registered);
        await host.StopAsync();
    }

    [Fact]
    public async Task Shutdown_should_end_within_the_grace_period_and_the_records_should_say_what_happened_to_each_task()
    {
        var system = ActorSystem.Create("draining", ConfigurationFactory.ParseString("akka.loglevel = WARNING\nactors.tasks.shutdown-grace = 1s").WithFallback(ActorsConfig.Defaults));
        var quick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(system, [
            TaskDefinition.Create<int, int>("finishes", async (n, _) => { await quick.Task; return n; }, TaskPresets.Analysis.WithConcurrencyLimit(1)),
            TaskDefinition.Create<int, int>("ignores-token", (n, _) => Task.Delay(Timeout.Infinite).ContinueWith(_ => n), TaskPresets.Analysis.WithConcurrencyLimit(1)),
        ]);
        var finishing = (SubmitAccepted)await queue.SubmitAsync("finishes", 1);
        var stubborn = (SubmitAccepted)await queue.SubmitAsync("ignores-token", 2);
        var waiting = (SubmitAccepted)await queue.SubmitAsync("finishes", 3);
        await AwaitAssertAsync(async () => Assert.Equal(2, (await queue.ListAsync(TaskState.Running)).Count));
        var records = new ConcurrentDictionary<string, TaskRecord>();
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "read-records", async () =>
        {
            foreach (var record in await queue.ListAsync())
            {
                records[record.Id] = record;
            }

            return Done.Instance;
        });
        var rejectedDuringShutdown = new TaskCompletionSource<SubmitResult>();
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "finish-one-during-grace", async () =>
        {
            // Tasks of one phase run in any order: wait until intake has stopped (a submit for an unknown
            // type is answered ShuttingDown once it has, UnknownType before), then let one task finish.
            SubmitResult late;
            while ((late = await queue.SubmitAsync("no-such-type", 0)) is SubmitRejected { Kind: SubmitRejection.UnknownType })
            {
                await Task.Yield();
            }

            quick.SetResult();
            rejectedDuringShutdown.SetResult(late);
            return Done.Instance;
        });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(1 + 5));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"shutdown took {watch.Elapsed}");
        Assert.Equal(TaskState.Completed, records[finishing.TaskId].Status);
        Assert.Equal(TaskState.Cancelled, records[stubborn.TaskId].Status);
        Assert.Equal(TaskState.Waiting, records[waiting.TaskId].Status);
        Assert.Equal(SubmitRejection.ShuttingDown, Assert.IsType<SubmitRejected>(await rejectedDuringShutdown.Task).Kind);
    }
}
