using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace Docs.Tests.Tasks;

// The examples of docs/tasks.md not already in Host.Tests' TasksGuideExamples (DocExamplesSpecs checks them).
public static class TasksGuideExamples
{
    public static async Task ManagingAsync(ITaskQueue queue, string id)
    {
        await queue.CancelAsync(id, "user pressed stop");   // waiting: never starts; running: its token fires
        var record = await queue.GetAsync(id);              // status, attempts, progress, result or error
        var failed = await queue.ListAsync(TaskState.Failed);
        var again = await queue.RetryAsync(id);             // failed or cancelled: runs again as a new task (SubmitAccepted)
        await foreach (var e in queue.WatchAsync(id))      // this task's events until its terminal one
            Console.WriteLine(e);
        GC.KeepAlive((record, failed, again));
    }
}

public sealed class RetrySpecs(ITestOutputHelper output) : TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
        .WithFallback(ActorsConfig.Defaults), output: output)
{
    [Fact]
    public async Task A_flaky_call_is_retried_after_one_second()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("flaky", (_, t) =>
            t.Attempt == 1 ? throw new RetryableTaskException("busy") : Task.FromResult(42),
            TaskPresets.ExternalApi.WithRetry(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), jitter: 0)))]);
        Sys.EventStream.Subscribe(TestActor, typeof(TaskFailed));
        Sys.EventStream.Subscribe(TestActor, typeof(TaskCompleted));

        await queue.SubmitAsync("flaky", 0);
        ExpectMsg<TaskFailed>();
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(42, ExpectMsg<TaskCompleted>().Result);
    }
}
