using System.Collections.Immutable;
using Actors.Hosting;
using Actors.Jobs;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class MultipleManagerSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task Two_managers_with_different_types_should_run_side_by_side_under_the_same_key()
    {
        var logs = JobManager.Start<ImmutableList<string>, Append>(Sys, "logs");
        var counters = JobManager.Start<int, CounterJob.Add>(Sys, "counters");

        Assert.IsType<JobCreated>(await logs.RunJobAsync("shared", () => new LogJob()));
        Assert.IsType<JobCreated>(await counters.RunJobAsync("shared", () => new CounterJob()));
        var log = (await logs.GetRunningJobAsync("shared"))!;
        var counter = (await counters.GetRunningJobAsync("shared"))!;
        await log.DispatchAsync(new Append("a", 1));
        await counter.DispatchAsync(new CounterJob.Add(41));
        await counter.DispatchAsync(new CounterJob.Add(1));

        Assert.Equal(["a:1"], log.State);
        Assert.Equal(42, counter.State);
        Assert.Same(logs, JobManager.Get<ImmutableList<string>, Append>(Sys, "logs"));
        Assert.Throws<InvalidOperationException>(() => JobManager.Get<int, CounterJob.Add>(Sys, "logs"));
    }
}

public sealed class JobsHostingSpecs
{
    [Fact]
    public async Task WithJobManager_should_register_the_facade_in_DI_and_the_actor_in_the_registry()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddActors("hosted", (akka, _) => akka
            .WithJobManager<int, CounterJob.Add>("counters", o => o.StopTimeout = TimeSpan.FromSeconds(3))
            .WithJobManager<ImmutableList<string>, Append>("logs"));
        using var host = builder.Build();
        await host.StartAsync();

        var counters = host.Services.GetRequiredService<IJobManager<int, CounterJob.Add>>();
        var registered = await host.Services.GetRequiredService<IRequiredActor<IJobManager<int, CounterJob.Add>>>().GetAsync();
        var byName = host.Services.GetRequiredService<IJobManagers>().Get<ImmutableList<string>, Append>("logs");
        await counters.RunJobAsync("c", () => new CounterJob());
        var handle = (await counters.GetRunningJobAsync("c"))!;
        await handle.DispatchAsync(new CounterJob.Add(5));

        Assert.Equal(5, handle.State);
        Assert.Equal(counters.Manager, registered);
        Assert.Equal("logs", byName.Name);
        Assert.Equal(TimeSpan.FromSeconds(3), ((JobManagerClient<int, CounterJob.Add>)JobManager.Get<int, CounterJob.Add>(host.Services.GetRequiredService<Akka.Actor.ActorSystem>(), "counters")).Settings.StopTimeout);

        await host.StopAsync();
        Assert.Equal(JobStopReason.Stopped, (await handle.Completion).Reason);
    }
}
