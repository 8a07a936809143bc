using System.Collections.Immutable;
using Actors.Jobs;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class DispatchSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private const int PerSender = 200;

    [Fact]
    public async Task A_job_should_handle_each_senders_actions_in_order_with_versions_growing_by_one()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "ordered");
        var created = (JobCreated)await jobs.RunJobAsync("doc", () => new LogJob());
        var watcher = CreateTestProbe();
        created.Job.Tell(new SubscribeToJob(watcher.Ref));
        Assert.Equal(0, watcher.ExpectMsg<JobStateChanged<ImmutableList<string>>>().Version);
        var senders = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToArray();
        var handle = (await jobs.GetRunningJobAsync("doc"))!;

        // Three actors and one non-actor caller dispatch at once; some handlers go asynchronous.
        var facadeCaller = Task.Run(() =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                handle.Dispatch(new Append("facade", i, Yield: i % 7 == 0));
            }
        });
        for (var i = 0; i < PerSender; i++)
        {
            for (var s = 0; s < senders.Length; s++)
            {
                jobs.Manager.Tell(new DispatchToJob("doc", new Append($"probe{s}", i, Yield: i % 5 == 0)), senders[s].Ref);
            }
        }

        await facadeCaller;
        var total = PerSender * (senders.Length + 1);
        var changes = watcher.ReceiveN(total).Cast<JobStateChanged<ImmutableList<string>>>().ToList();

        Assert.Equal(Enumerable.Range(1, total).Select(v => (long)v), changes.Select(c => c.Version));
        var applied = changes[^1].State;
        Assert.Equal(total, applied.Count);
        foreach (var sender in applied.Select(entry => entry.Split(':')[0]).Distinct())
        {
            var sequence = applied.Where(e => e.StartsWith(sender + ":", StringComparison.Ordinal)).Select(e => int.Parse(e.Split(':')[1])).ToList();
            Assert.Equal(Enumerable.Range(0, PerSender), sequence);
        }
    }

    [Fact]
    public async Task A_late_subscriber_should_get_the_current_state_first()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "late");
        await jobs.RunJobAsync("doc", () => new LogJob());
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        await handle.DispatchAsync(new Append("a", 1));
        await handle.DispatchAsync(new Append("a", 2, Yield: true));

        var late = CreateTestProbe();
        handle.Job.Tell(new SubscribeToJob(late.Ref));
        var first = late.ExpectMsg<JobStateChanged<ImmutableList<string>>>();
        await handle.DispatchAsync(new Append("a", 3));
        var next = late.ExpectMsg<JobStateChanged<ImmutableList<string>>>();

        Assert.Equal(2, first.Version);
        Assert.Equal(["a:1", "a:2"], first.State);
        Assert.Equal(3, next.Version);
        Assert.Equal(3, handle.Current.Version);
    }

    [Fact]
    public async Task WatchAsync_should_yield_the_current_state_then_each_change_then_end_when_the_job_stops()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "watch");
        await jobs.RunJobAsync("doc", () => new LogJob());
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        await handle.DispatchAsync(new Append("a", 1));
        var seen = new List<long>();

        await using var watch = handle.WatchAsync().GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current.Version);
        handle.Dispatch(new Append("a", 2));
        Assert.True(await watch.MoveNextAsync());
        seen.Add(watch.Current.Version);
        await handle.StopAsync();

        Assert.False(await watch.MoveNextAsync());
        Assert.Equal([1L, 2L], seen);
    }

    [Fact]
    public async Task A_job_should_reject_an_action_of_the_wrong_type_and_keep_running()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "wrong-type");
        var created = (JobCreated)await jobs.RunJobAsync("doc", () => new LogJob());

        created.Job.Tell(new Dispatch("not an Append"));
        var rejected = ExpectMsg<ActionRejected>();
        created.Job.Tell(new Dispatch(null!));
        var rejectedNull = ExpectMsg<ActionRejected>();
        created.Job.Tell(new Dispatch(new Append("a", 1), Acknowledge: true));

        ExpectMsg<ActionHandled>();
        Assert.Contains(typeof(Append).FullName!, rejected.Reason);
        Assert.Contains("System.String", rejected.Reason);
        Assert.Contains("null", rejectedNull.Reason);
    }

    [Fact]
    public void Dispatch_to_a_key_with_no_job_should_be_rejected_not_dropped()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "no-job");

        jobs.Manager.Tell(new DispatchToJob("ghost", new Append("a", 1)));

        var rejected = ExpectMsg<ActionRejected>();
        Assert.Equal("ghost", rejected.Key);
        Assert.Contains("RunJob", rejected.Reason);
    }

    [Fact]
    public async Task OnStateChange_should_pass_each_later_state_once_until_disposed()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "listener");
        await jobs.RunJobAsync("c", () => new CounterJob());
        var handle = (await jobs.GetRunningJobAsync("c"))!;
        await handle.DispatchAsync(new CounterJob.Add(1));
        var probe = CreateTestProbe();

        var subscription = handle.OnStateChange(state => probe.Ref.Tell(state));
        await AwaitAssertAsync(async () => Assert.Equal(1, (await handle.Job.Ask<JobState<int>>(GetJobState.Instance)).Subscribers));
        await handle.DispatchAsync(new CounterJob.Add(10));
        probe.ExpectMsg(11);
        subscription.Dispose();
        await AwaitAssertAsync(async () => Assert.Equal(0, (await handle.Job.Ask<JobState<int>>(GetJobState.Instance)).Subscribers));
        await handle.DispatchAsync(new CounterJob.Add(100));

        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(111, handle.State);
    }
}
