using Actors.Configuration;
using Actors.Tasks;

namespace Actors.Tests.Tasks;

/// <summary>Batching types: many tasks, few handler calls, each task its own result and events.</summary>
public sealed class TaskBatchingSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    private int _calls;

    [Fact]
    public async Task A_thousand_tasks_should_run_in_about_a_thousand_over_N_handler_calls_each_with_its_own_result()
    {
        const int size = 50;
        var queue = TaskQueue.Start(Sys, [Doubling(new TaskBatching(size, TimeSpan.FromMilliseconds(20)))], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 128 });
        var completions = CreateTestProbe();
        Sys.EventStream.Subscribe(completions, typeof(TaskCompleted));

        var ids = (await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => queue.SubmitAsync("double", i)))).Select(r => Assert.IsType<SubmitAccepted>(r).TaskId).ToList();

        var completed = completions.ReceiveN(1000, TimeSpan.FromSeconds(30)).Cast<TaskCompleted>().ToDictionary(c => c.TaskId);
        Assert.InRange(_calls, 1000 / size, 1000 / size + 5);
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(2 * i, completed[ids[i]].Result);
        }
    }

    [Fact]
    public async Task A_batch_that_throws_should_fail_each_of_its_tasks_with_the_error()
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.CreateBatched<int, int>("broken", (_, _) => throw new FatalTaskException("the bulk insert was refused"),
                TaskPresets.DatabaseOperations.WithConcurrencyLimit(10), new TaskBatching(10, TimeSpan.FromMilliseconds(20))),
        ]);

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => queue.SubmitAsync("broken", i, wait: TimeSpan.FromSeconds(10))));

        Assert.All(results, result =>
        {
            var record = Assert.IsType<SubmitCompleted>(result).Record;
            Assert.Equal((TaskState.Failed, "the bulk insert was refused"), (record.Status, record.Error!.Message));
        });
    }

    [Fact]
    public async Task Cancelling_one_task_of_a_running_batch_should_end_it_cancelled_and_leave_the_others_running()
    {
        var release = new TaskCompletionSource();
        CancellationToken batchToken = default;
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.CreateBatched<int, int>("held", async (inputs, context) =>
            {
                batchToken = context.CancellationToken;
                await release.Task;
                return inputs;
            }, TaskPresets.DatabaseOperations.WithConcurrencyLimit(3), new TaskBatching(3, TimeSpan.FromSeconds(5))),
        ]);
        var started = CreateTestProbe();
        Sys.EventStream.Subscribe(started, typeof(TaskStarted));
        var ids = (await Task.WhenAll(Enumerable.Range(0, 3).Select(i => queue.SubmitAsync("held", i)))).Select(r => ((SubmitAccepted)r).TaskId).ToList();
        started.ReceiveN(3);

        Assert.IsType<TaskCancelRequested>(await queue.CancelAsync(ids[0]));
        Assert.False(batchToken.IsCancellationRequested);
        release.SetResult();

        await AwaitAssertAsync(async () => Assert.Equal(2, (await queue.ListAsync(TaskState.Completed)).Count));
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(ids[0]))!.Status);
    }

    [Fact]
    public async Task A_task_cancelled_while_its_batch_gathers_should_leave_it_and_free_its_slot_at_once()
    {
        var batches = new System.Collections.Concurrent.ConcurrentQueue<IReadOnlyList<int>>();
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.CreateBatched<int, int>("gathered", (inputs, _) =>
            {
                batches.Enqueue(inputs);
                return Task.FromResult(inputs);
            }, TaskPresets.DatabaseOperations.WithConcurrencyLimit(3), new TaskBatching(3, TimeSpan.FromMinutes(1))),
        ]);
        var first = Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("gathered", 0)).TaskId;

        Assert.IsType<TaskCancelRequested>(await queue.CancelAsync(first));
        var results = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => queue.SubmitAsync("gathered", i, wait: TimeSpan.FromSeconds(10))));

        Assert.All(results, result => Assert.Equal(TaskState.Completed, Assert.IsType<SubmitCompleted>(result).Record.Status));
        Assert.Equal([1, 2, 3], Assert.Single(batches).Order());
    }

    [Fact]
    public void A_batch_larger_than_the_concurrency_limit_should_be_refused_with_the_reason() =>
        Assert.Contains("limit of at least 100", Assert.Throws<ArgumentException>(() => TaskDefinition.CreateBatched<int, int>("x",
            (inputs, _) => Task.FromResult(inputs), TaskPresets.DatabaseOperations, new TaskBatching(100, TimeSpan.Zero))).Message);

    private TaskDefinition Doubling(TaskBatching batching) => TaskDefinition.CreateBatched<int, int>("double", (inputs, _) =>
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult<IReadOnlyList<int>>(inputs.Select(i => 2 * i).ToList());
    }, TaskPresets.DatabaseOperations.WithConcurrencyLimit(2 * batching.MaxSize), batching);
}
