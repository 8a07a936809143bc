using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>How the queue's own lanes hand an attempt's progress and end back: progress first, and nothing kept once it ended.</summary>
public sealed class TaskLaneSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    private const int Tasks = 50;

    [Fact]
    public async Task An_attempt_that_reported_progress_should_have_it_recorded_before_its_end()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("halfway", (_, context) =>
        {
            context.ReportProgress(40, "halfway");
            throw new InvalidOperationException("failed after its progress");
        }, TaskPresets.Analysis.WithConcurrencyLimit(2).WithRetry(RetryPolicy.None))]);

        var ids = new List<string>();
        for (var i = 0; i < Tasks; i++)
        {
            ids.Add(((SubmitAccepted)await queue.SubmitAsync("halfway", i)).TaskId);
        }

        await AwaitAssertAsync(async () => Assert.Equal(Tasks, (await queue.ListAsync(TaskState.Failed)).Count));
        foreach (var id in ids)
        {
            // The first report of an attempt is recorded at once; had the end overtaken it, the failed record would read 0.
            var record = (await queue.GetAsync(id))!;
            Assert.Equal((TaskState.Failed, 40.0), (record.Status, record.Progress));
        }
    }

    [Fact]
    public async Task A_lane_should_hold_no_attempt_once_the_queue_has_recorded_their_ends()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("quick", (n, _) => n % 2 == 0 ? Task.FromResult(n) : throw new InvalidOperationException("odd"),
            TaskPresets.Analysis.WithConcurrencyLimit(2).WithRetry(RetryPolicy.None))]);

        for (var i = 0; i < Tasks; i++)
        {
            queue.Queue.Tell(new SubmitTask("quick", i), ActorRefs.NoSender);
        }

        await AwaitAssertAsync(async () => Assert.Equal(Tasks, (await queue.ListAsync()).Count(r => r.IsTerminal)));

        // The queue hosts its lanes: each end was let go by its lane before the queue recorded it.
        var running = await queue.Queue.Ask<TaskLaneActor.RunningAttempts>(TaskLaneActor.GetRunningAttempts.Instance, TimeSpan.FromSeconds(5));
        Assert.Empty(running.Attempts);
        Assert.Equal(Tasks / 2, (await queue.ListAsync(TaskState.Completed)).Count);
    }

    [Fact]
    public async Task A_token_callback_that_blocks_should_not_hold_up_the_queue_that_cancelled_it()
    {
        using var release = new ManualResetEventSlim();
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("stubborn", async (n, context) =>
        {
            using var registration = context.CancellationToken.Register(() => release.Wait(TimeSpan.FromSeconds(20)));
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return n;
        }, TaskPresets.Analysis.WithRetry(RetryPolicy.None))]);
        var submitted = (SubmitAccepted)await queue.SubmitAsync("stubborn", 0);
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Running, (await queue.GetAsync(submitted.TaskId))!.Status));

        await queue.CancelAsync(submitted.TaskId);

        // The queue hosts its lanes and fires the token: the callback runs on the thread pool, and the queue answers meanwhile.
        var reply = await queue.Queue.Ask<TaskRecordReply>(new GetTask(submitted.TaskId), TimeSpan.FromSeconds(3));
        Assert.Equal(TaskState.Cancelled, reply.Record!.Status);
        release.Set();
    }

    [Fact]
    public async Task A_token_read_only_after_its_attempt_was_cancelled_should_read_cancelled()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("late-reader", async (n, context) =>
        {
            await gate.Task;
            seen.SetResult(context.CancellationToken.IsCancellationRequested);
            return n;
        }, TaskPresets.Analysis.WithRetry(RetryPolicy.None))]);
        var submitted = (SubmitAccepted)await queue.SubmitAsync("late-reader", 0);
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Running, (await queue.GetAsync(submitted.TaskId))!.Status));

        // The handler has not read its token: the lane fires it anyway, and the handler reads it fired.
        await queue.CancelAsync(submitted.TaskId);
        gate.SetResult();

        Assert.True(await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
