using Actors.Configuration;
using Actors.Jobs;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;

namespace Actors.Tests.Jobs;

/// <summary>A job kind on a (one-node) cluster: a shard region whose entities are the keys, run through the same facade.</summary>
public sealed class ShardedJobSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.cluster.min-nr-of-members = 1
    """).WithFallback(ActorsConfig.Defaults))
{
    private IJobManager<int, CounterJob.Add> StartSharded()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "counters", create: (_, start) => new StartingCounter(start));
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(20));
        return jobs;
    }

    [Fact]
    public async Task Fifty_concurrent_runs_of_a_key_should_create_one_job_and_a_factory_should_be_refused_saying_why()
    {
        var jobs = StartSharded();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => jobs.RunJobAsync("k", i + 100)));

        var created = Assert.Single(results.OfType<JobCreated>());
        Assert.Equal(49, results.OfType<JobAlreadyRunning>().Count());
        Assert.All(results, result => Assert.Equal(created.Job, result is JobAlreadyRunning running ? running.Job : created.Job));
        var job = await jobs.GetRunningJobAsync("k");
        Assert.NotNull(job);
        Assert.InRange(job.State, 100, 149);
        var refused = await Assert.ThrowsAsync<JobRejectedException>(() => jobs.RunJobAsync("other", () => new CounterJob()));
        Assert.Contains("sharded", refused.Message);
        Assert.Contains("RunJobAsync(key, initialState)", refused.Message);
        var refusedActivation = await Assert.ThrowsAsync<JobRejectedException>(() => jobs.DispatchAsync("other", new CounterJob.Add(1), () => new CounterJob()));
        Assert.Contains("sharded", refusedActivation.Message);
        var sentToRegion = await jobs.Manager.Ask<RunJobResult>(new RunJobAndDispatch<int, CounterJob.Add>("other", new CounterJob.Add(1), () => new CounterJob()), TimeSpan.FromSeconds(10));
        Assert.Contains("factory cannot cross nodes", Assert.IsType<JobRejected>(sentToRegion).Reason);
    }

    [Fact]
    public async Task A_stopped_job_should_free_its_key_and_its_entity_should_passivate()
    {
        var jobs = StartSharded();
        await jobs.RunJobAsync("k", 1);
        var job = (await jobs.GetRunningJobAsync("k"))!;
        await job.DispatchAsync(new CounterJob.Add(2));
        Assert.Equal(3, (await jobs.GetRunningJobAsync("k"))!.State);

        var stopped = await job.StopAsync();

        Assert.Equal(JobStopReason.Stopped, stopped.Reason);
        await AwaitAssertAsync(async () => Assert.Empty(await jobs.GetRunningJobKeysAsync()), TimeSpan.FromSeconds(10));
        Assert.Null(await jobs.GetRunningJobAsync("k"));
        Assert.IsType<JobCreated>(await jobs.RunJobAsync("k", 10));
        Assert.Equal(["k"], await jobs.GetRunningJobKeysAsync());
    }

    [Fact]
    public async Task Messages_to_the_region_should_reach_the_job_and_a_factory_sent_as_a_message_should_be_refused()
    {
        var jobs = StartSharded();
        await jobs.RunJobAsync("k", 0);

        jobs.Manager.Tell(new DispatchToJob("k", new CounterJob.Add(5), Acknowledge: true), TestActor);
        ExpectMsg<ActionHandled>(handled => handled.Key == "k");
        jobs.Manager.Tell(new DispatchToJob("missing", new CounterJob.Add(5), Acknowledge: true), TestActor);

        Assert.Contains("No job runs under key 'missing'", ExpectMsg<ActionRejected>().Reason);
        Assert.Equal(5, (await jobs.GetRunningJobAsync("k"))!.State);
        jobs.Manager.Tell(new RunJob<int, CounterJob.Add>("other", () => new CounterJob()), TestActor);
        Assert.Contains("RunJobFromState", ExpectMsg<JobRejected>(rejected => rejected.Key == "other").Reason);
    }

    /// <summary>A counter that starts from a given count.</summary>
    private sealed class StartingCounter(int start) : Job<int, CounterJob.Add>(start)
    {
        protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

        protected override Task HandleAsync(CounterJob.Add action, CancellationToken cancellationToken)
        {
            SetState(State + action.Amount);
            return Task.CompletedTask;
        }
    }
}
