using System.Collections.Immutable;
using Actors.Jobs;
using Akka.Actor;
using Akka.Event;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class SubscriberSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task A_subscriber_that_dies_should_be_dropped_and_get_no_more_messages()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "dying");
        await jobs.RunJobAsync("doc", () => new LogJob());
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        var subscribers = Enumerable.Range(0, 5).Select(_ => CreateTestProbe()).ToList();
        subscribers.ForEach(s => handle.Job.Tell(new SubscribeToJob(s.Ref)));
        subscribers.ForEach(s => s.ExpectMsg<JobStateChanged<ImmutableList<string>>>());
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        var doomed = subscribers[0];
        Watch(doomed.Ref);
        Sys.Stop(doomed.Ref);
        ExpectTerminated(doomed.Ref);
        await AwaitAssertAsync(async () => Assert.Equal(4, (await handle.Job.Ask<JobState<ImmutableList<string>>>(GetJobState.Instance)).Subscribers));
        for (var i = 0; i < 10; i++)
        {
            await handle.DispatchAsync(new Append("a", i));
        }

        subscribers.Skip(1).ToList().ForEach(s => s.ReceiveN(10));
        var lettersToTheDead = deadLetters.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m is DeadLetter d && d.Recipient.Equals(doomed.Ref) ? d : null);
        Assert.Empty(lettersToTheDead);
    }

    [Fact]
    public async Task Subscribing_to_a_job_that_already_stopped_should_end_the_watch_at_once()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "gone");
        await jobs.RunJobAsync("c", () => new CounterJob());
        var handle = (await jobs.GetRunningJobAsync("c"))!;
        await handle.StopAsync();

        var seen = new List<JobStateChanged<int>>();
        await foreach (var changed in handle.WatchAsync())
        {
            seen.Add(changed);
        }

        Assert.Empty(seen);
    }
}
