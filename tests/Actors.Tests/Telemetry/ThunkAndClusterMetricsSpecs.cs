using System.Collections.Immutable;
using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;
using Actors.Thunks;
using Akka.Cluster;
using Akka.Configuration;

namespace Actors.Tests.Telemetry;

/// <summary>The thunk coordinator's metrics, tagged with its actor system's name (unique here, as meters are process-wide).</summary>
public sealed class ThunkMetricsSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, $"thunk-metrics-{Guid.NewGuid():N}")
{
    [Fact]
    public async Task Trees_should_count_as_active_or_waiting_while_they_hold_or_wait_for_a_lock_and_time_both()
    {
        using var metrics = new Measurements(ActorsTelemetry.ThunksMeter, "system", Sys.Name);
        var thunks = ThunkSystem.Start(Sys, ImmutableList<string>.Empty, (log, action) => log.Add((string)action)).Processor;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var keys = new HashSet<string> { "account-1" };

        var first = thunks.RunAsync(async context =>
        {
            await context.DispatchAsync("first");
            await release.Task;
        }, new ThunkOptions(Keys: keys));
        await AwaitAssertAsync(() => Assert.Equal(1, metrics.Sum("actors.thunks.trees.active")));
        var second = thunks.RunAsync(context => context.DispatchAsync("second"), new ThunkOptions(Keys: keys));
        await AwaitAssertAsync(() => Assert.Equal(1, metrics.Sum("actors.thunks.trees.waiting")));
        Assert.Equal(1, metrics.Sum("actors.thunks.trees.active"));

        release.SetResult();
        await Task.WhenAll(first, second);

        await AwaitAssertAsync(() => Assert.Equal(2, metrics.Sum("actors.thunks.trees.ended", "outcome", "completed")));
        Assert.Equal(0, metrics.Sum("actors.thunks.trees.active"));
        Assert.Equal(0, metrics.Sum("actors.thunks.trees.waiting"));
        Assert.Equal(2, metrics.Count("actors.thunks.lock.wait.duration"));
        Assert.Equal(2, metrics.Count("actors.thunks.lock.hold.duration"));
        Assert.Equal(2, metrics.Sum("actors.thunks.actions"));
        // The second tree waited for the first to let go: at least as long as the first held on after it asked.
        Assert.True(metrics.Max("actors.thunks.lock.wait.duration") > 0);
    }
}

/// <summary>The members a cluster node sees, by status.</summary>
public sealed class ClusterMetricsSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.cluster.min-nr-of-members = 1
    """).WithFallback(ActorsConfig.Defaults))
{
    [Fact]
    public async Task A_one_node_cluster_should_report_one_member_up_and_none_unreachable()
    {
        var cluster = Cluster.Get(Sys);
        using var metrics = new Measurements(ActorsTelemetry.ClusterMeter, "node", cluster.SelfAddress.ToString());
        TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.Analysis)]);
        cluster.Join(cluster.SelfAddress);

        await AwaitAssertAsync(() =>
        {
            metrics.Clear();
            metrics.Observe();
            Assert.Equal(1, metrics.Sum("actors.cluster.members", "status", "up"));
        }, TimeSpan.FromSeconds(20));
        Assert.Equal(0, metrics.Sum("actors.cluster.members", "status", "unreachable"));
    }
}
