using Akka.Actor;
using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>Backoff, timeouts and progress under virtual time: the scheduler moves only when the test advances it.</summary>
public sealed class TaskTimingSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"").WithFallback(ActorsConfig.Defaults), output: output)
{
    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_retryable_failure_should_wait_1_2_4_and_8_seconds_between_five_attempts_then_fail()
    {
        var settings = TaskPresets.ExternalApi.WithRetry(new RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0));
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("flaky", (_, _) => throw new InvalidOperationException("upstream down"), settings)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskStarted));
        Sys.EventStream.Subscribe(TestActor, typeof(TaskFailed));

        await queue.SubmitAsync("flaky", 1);
        foreach (var wait in new[] { 1, 2, 4, 8 })
        {
            ExpectMsg<TaskStarted>();
            Assert.False(ExpectMsg<TaskFailed>().IsFinal);
            Clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(5, ExpectMsg<TaskStarted>().Attempt);
        var final = ExpectMsg<TaskFailed>();
        Assert.True(final.IsFinal);
        Assert.Equal(5, final.AttemptCount);
        Assert.Equal("upstream down", final.Error.Message);
    }

    [Fact]
    public async Task A_fatal_error_should_get_exactly_one_attempt()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("doomed", (_, _) => throw new FatalTaskException("corrupt file"), TaskPresets.FileOperations)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskFailed));

        await queue.SubmitAsync("doomed", 1);

        var failed = ExpectMsg<TaskFailed>();
        Assert.Equal((true, 1, TaskErrorClass.Fatal), (failed.IsFinal, failed.AttemptCount, failed.Error.Class));
    }

    [Fact]
    public async Task A_timed_out_attempt_should_be_cut_off_and_the_next_attempt_should_not_overlap_it()
    {
        var stale = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = TaskPresets.ExternalApi.WithTimeout(TimeSpan.FromSeconds(5)).WithRetry(new RetryPolicy(2, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(1), 0));
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, string>("stuck", (_, context) => context.Attempt == 1 ? stale.Task : Task.FromResult("fresh"), settings)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskStarted));
        Sys.EventStream.Subscribe(TestActor, typeof(TaskFailed));
        Sys.EventStream.Subscribe(TestActor, typeof(TaskCompleted));
        var submitted = (SubmitAccepted)await queue.SubmitAsync("stuck", 1);
        ExpectMsg<TaskStarted>();

        Clock.Advance(TimeSpan.FromSeconds(5));
        var timedOut = ExpectMsg<TaskFailed>();
        Clock.Advance(TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        stale.SetResult("stale");

        Assert.Contains("timed out", timedOut.Error.Message);
        Assert.False(timedOut.IsFinal);
        Assert.Equal(2, ExpectMsg<TaskStarted>().Attempt);
        Assert.Equal("fresh", ExpectMsg<TaskCompleted>().Result);
        Assert.Equal("fresh", (await queue.GetAsync(submitted.TaskId))!.Result);
    }

    [Fact]
    public async Task Attempts_with_different_timeouts_should_each_time_out_at_their_own_deadline_and_one_that_ended_in_time_never()
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskDefinition Type(string name, int seconds, Func<int, Task<int>> run) =>
            TaskDefinition.Create<int, int>(name, (n, _) => run(n), TaskPresets.ExternalApi.WithTimeout(TimeSpan.FromSeconds(seconds)).WithRetry(RetryPolicy.None));
        var queue = TaskQueue.Start(Sys, [Type("long", 10, _ => never.Task), Type("short", 2, _ => never.Task), Type("quick", 2, Task.FromResult)],
            TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        Sys.EventStream.Subscribe(TestActor, typeof(TaskStarted));
        Sys.EventStream.Subscribe(TestActor, typeof(TaskFailed));

        // The 10 s deadline is watched first; the 2 s ones come after it and must still fire first.
        var longTask = ((SubmitAccepted)await queue.SubmitAsync("long", 1)).TaskId;
        ExpectMsg<TaskStarted>(s => s.TaskId == longTask);
        var shortTask = ((SubmitAccepted)await queue.SubmitAsync("short", 2)).TaskId;
        ExpectMsg<TaskStarted>(s => s.TaskId == shortTask);
        await queue.SubmitAsync("quick", 3, wait: TimeSpan.FromSeconds(5));
        ExpectMsg<TaskStarted>();

        Clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(shortTask, ExpectMsg<TaskFailed>().TaskId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the quick one ended in time: no timeout for it

        Clock.Advance(TimeSpan.FromSeconds(8) - TimeSpan.FromMilliseconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var timedOut = ExpectMsg<TaskFailed>();
        Assert.Equal(longTask, timedOut.TaskId);
        Assert.Contains("timed out after 00:00:10", timedOut.Error.Message);
    }

    [Fact]
    public async Task A_task_that_waits_longer_than_its_time_to_live_should_fail_as_expired_and_never_start()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("slow", (n, _) => Interlocked.Increment(ref started) == 1 ? gate.Task : Task.FromResult(n),
            TaskPresets.Analysis.WithConcurrencyLimit(1))], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        await queue.SubmitAsync("slow", 1);
        var waiting = (SubmitAccepted)await queue.SubmitAsync("slow", 2, timeToLive: TimeSpan.FromSeconds(30));

        Clock.Advance(TimeSpan.FromSeconds(30));
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Failed, (await queue.GetAsync(waiting.TaskId))!.Status));
        gate.SetResult(1);

        var expired = (await queue.GetAsync(waiting.TaskId))!;
        Assert.Contains("expired", expired.Error!.Message);
        Assert.Equal(0, expired.Attempts);
        await AwaitAssertAsync(async () => Assert.Single(await queue.ListAsync(TaskState.Completed)));
        Assert.Equal(1, started);
    }

    [Fact]
    public async Task A_thousand_progress_reports_in_a_second_should_yield_at_most_eleven_events_ending_at_100_percent()
    {
        var bursts = new[] { new SemaphoreSlim(0), new SemaphoreSlim(0) };
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("chatty", async (_, context) =>
        {
            for (var burst = 0; burst < 10; burst++)
            {
                for (var i = 1; i <= 100; i++)
                {
                    context.ReportProgress((burst * 10) + (i / 10.0));
                }

                bursts[0].Release();
                await bursts[1].WaitAsync();
            }

            return 0;
        }, TaskPresets.Analysis)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 4 });
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(TaskProgress));

        var submitted = (SubmitAccepted)await queue.SubmitAsync("chatty", 0);
        for (var burst = 0; burst < 10; burst++)
        {
            await bursts[0].WaitAsync(TimeSpan.FromSeconds(10));
            // The burst's progress goes from the handler to the queue (its lanes are its own), taken before any other message:
            // a round trip through the queue means it has the progress before the clock moves.
            await queue.GetAsync(submitted.TaskId);
            Clock.Advance(TimeSpan.FromMilliseconds(100));
            bursts[1].Release();
        }

        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Completed, (await queue.GetAsync(submitted.TaskId))!.Status));
        var progress = events.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m as TaskProgress).OfType<TaskProgress>().ToList();
        Assert.InRange(progress.Count, 2, 11);
        Assert.Equal(100, progress[^1].Progress);
        Assert.Equal(progress.Select(p => p.Progress).Order(), progress.Select(p => p.Progress));
    }
}
