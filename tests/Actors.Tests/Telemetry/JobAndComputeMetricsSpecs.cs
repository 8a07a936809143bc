using System.Collections.Immutable;
using Actors.Compute;
using Actors.Configuration;
using Actors.Jobs;
using Actors.Telemetry;
using Actors.Tests.Jobs;

namespace Actors.Tests.Telemetry;

/// <summary>Jobs' and the compute pool's metrics, read as an exporter reads them.</summary>
public sealed class JobAndComputeMetricsSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    [Fact]
    public async Task A_job_should_count_as_running_until_it_stops_and_count_its_actions()
    {
        var kind = $"metrics-{Guid.NewGuid():N}";
        using var metrics = new Measurements(ActorsTelemetry.JobsMeter, "kind", kind);
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, kind);

        await jobs.RunJobAsync("doc", () => new LogJob());
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        await handle.DispatchAsync(new Append("a", 1));
        await handle.DispatchAsync(new Append("a", 2));
        Assert.Equal(1, metrics.Sum("actors.jobs.running"));
        await handle.StopAsync();

        await AwaitAssertAsync(() => Assert.Equal(0, metrics.Sum("actors.jobs.running")));
        Assert.Equal(2, metrics.Sum("actors.jobs.actions", "outcome", "handled"));
        Assert.Equal(1, metrics.Sum("actors.jobs.ended", "reason", "stopped"));
    }

    [Fact]
    public async Task A_compute_run_should_count_its_units_by_outcome_when_it_ends()
    {
        var mode = "all";
        using var metrics = new Measurements(ActorsTelemetry.ComputeMeter, "mode", mode);
        var pool = ComputePool.Start(Sys);

        var results = await pool.AllAsync(Enumerable.Range(0, 10).Select(i => WorkUnit.Create(static (int n) => n * n, i)).ToList());

        Assert.Equal(10, results.Length);
        await AwaitAssertAsync(() => Assert.True(metrics.Sum("actors.compute.units", "outcome", "completed") >= 10));
        Assert.True(metrics.Count("actors.compute.run.duration") >= 1);
    }
}
