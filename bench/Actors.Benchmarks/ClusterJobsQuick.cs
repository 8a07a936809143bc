using System.Diagnostics;
using Actors.Configuration;
using Actors.Jobs;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace Actors.Benchmarks;

/// <summary>
/// Actions dispatched to a sharded job, from the node that runs it and from another node: two actor systems in
/// this process forming a real cluster over loopback remoting (the remote actions are serialized and sent over
/// TCP). Both through the same facade (<c>IJobHandle.Dispatch</c>), both in the same run: the local figure is the
/// baseline of the remote one.
/// </summary>
internal static class ClusterJobsQuick
{
    private const int Dispatches = 200_000;
    private const int Rounds = 3;
    private const string Kind = "bench-remote";

    /// <summary>The current round's signal: set before its job is created (both systems build jobs with it).</summary>
    private static TaskCompletionSource _done = new();

    public static async Task RunAsync(Figures figures)
    {
        int[] ports = [HostQuick.FreePort(), HostQuick.FreePort()];
        var systems = ports.Select(port => ActorSystem.Create("bench", NodeConfig(port, ports[0]))).ToArray();
        try
        {
            var managers = systems.Select(system => JobManager.Start<int, Tick>(system, Kind, create: (_, target) => new CountingJob(target, _done, publishState: false))).ToArray();
            foreach (var system in systems)
            {
                await UpAsync(system, members: 2);
            }

            var local = new List<double>();
            var remote = new List<double>();
            var keys = 0;
            for (var round = 0; round < Rounds + 1; round++)
            {
                // The first round warms both paths up and is not counted.
                var (localRate, remoteRate) = (await RateAsync(managers[0], systems[0], onSelf: true, () => $"k{keys++}"), await RateAsync(managers[0], systems[0], onSelf: false, () => $"k{keys++}"));
                if (round > 0)
                {
                    local.Add(localRate);
                    remote.Add(remoteRate);
                }
            }

            var localMedian = local.Order().ElementAt(Rounds / 2);
            var remoteMedian = remote.Order().ElementAt(Rounds / 2);
            figures.Report("cluster.job.dispatch.local.rate", localMedian, "per_s");
            figures.Report("cluster.job.dispatch.remote.rate", remoteMedian, "per_s");
            figures.Report("cluster.job.dispatch.remote.ratio", remoteMedian / localMedian, "x");
        }
        finally
        {
            // The younger node leaves first, while the seed is there to see it go; then the seed, alone.
            foreach (var system in systems.Reverse())
            {
                await system.Terminate();
            }
        }
    }

    /// <summary>Actions a second to a job that runs on this node (<paramref name="onSelf"/>) or on the other one, until the job has handled them all.</summary>
    private static async Task<double> RateAsync(IJobManager<int, Tick> jobs, ActorSystem from, bool onSelf, Func<string> nextKey)
    {
        var self = Cluster.Get(from).SelfAddress;
        while (true)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var key = nextKey();
            await jobs.RunJobAsync(key, Dispatches);
            var job = (await jobs.GetRunningJobAsync(key))!;
            var runsHere = !job.Job.Path.Address.HasGlobalScope || job.Job.Path.Address == self;
            if (runsHere != onSelf)
            {
                // The key's shard lives on the other node: try the next key.
                await job.StopAsync();
                continue;
            }

            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Dispatches; i++)
            {
                job.Dispatch(Tick.Instance);
            }

            await _done.Task.WaitAsync(TimeSpan.FromMinutes(1));
            var rate = Dispatches / clock.Elapsed.TotalSeconds;
            await job.StopAsync();
            return rate;
        }
    }

    private static Config NodeConfig(int port, int seedPort) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = ERROR
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
        akka.cluster.seed-nodes = ["akka.tcp://bench@127.0.0.1:{{seedPort}}"]
        akka.cluster.min-nr-of-members = 2
        """).WithFallback(ActorsConfig.Defaults);

    private static async Task UpAsync(ActorSystem system, int members)
    {
        var clock = Stopwatch.StartNew();
        while (Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up) < members)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"The two-node cluster did not form within 30 s: {Cluster.Get(system).State}");
            }

            await Task.Delay(50);
        }
    }
}
