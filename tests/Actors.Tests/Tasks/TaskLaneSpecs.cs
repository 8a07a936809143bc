using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>How a lane hands an attempt's end back: straight to the queue when it can, through itself when progress must go first.</summary>
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

        // Each end reached the lane before the queue, so the lane has taken them all before this question.
        var lane = await Sys.ActorSelection("/user/tasks/lane-quick").ResolveOne(TimeSpan.FromSeconds(5));
        var running = await lane.Ask<TaskLaneActor.RunningAttempts>(TaskLaneActor.GetRunningAttempts.Instance, TimeSpan.FromSeconds(5));
        Assert.Empty(running.Attempts);
        Assert.Equal(Tasks / 2, (await queue.ListAsync(TaskState.Completed)).Count);
    }
}
