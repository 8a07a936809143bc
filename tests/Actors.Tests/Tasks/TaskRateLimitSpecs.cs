using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;

namespace Actors.Tests.Tasks;

/// <summary>Per-type start rates and the burst cooldown, under virtual time: a second passes only when the test says so.</summary>
public sealed class TaskRateLimitSpecs() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"").WithFallback(ActorsConfig.Defaults))
{
    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_thousand_submits_at_once_to_a_type_limited_to_50_a_second_should_start_at_most_50_a_virtual_second()
    {
        var queue = StartQueue(new TaskRateLimit(PerSecond: 50));
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(TaskStarted));

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => queue.SubmitAsync("call", i)));

        for (var second = 0; second < 5; second++)
        {
            probe.ReceiveN(50);
            probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        probe.ReceiveN(50);
        Assert.Equal(1000 - 300, (await queue.ListAsync(TaskState.Waiting, 1000)).Count);
    }

    [Fact]
    public async Task After_two_seconds_at_the_limit_a_type_should_cool_down_for_three_then_go_on()
    {
        var queue = StartQueue(new TaskRateLimit(PerSecond: 50, Cooldown: TimeSpan.FromSeconds(3), BurstsBeforeCooldown: 2));
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(TaskStarted));

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => queue.SubmitAsync("call", i)));

        var startedPerSecond = new List<int>();
        for (var second = 0; second < 6; second++)
        {
            var started = 0;
            while (probe.ReceiveOne(TimeSpan.FromMilliseconds(200)) is TaskStarted)
            {
                started++;
            }

            startedPerSecond.Add(started);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([50, 50, 0, 0, 0, 50], startedPerSecond);
    }

    [Fact]
    public void A_rate_limit_out_of_range_should_be_refused_naming_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TaskPresets.ExternalApi.WithRateLimit(new TaskRateLimit(PerSecond: 0)));

        Assert.Equal("PerSecond", error.ParamName);
    }

    private ITaskQueue StartQueue(TaskRateLimit limit) => TaskQueue.Start(Sys,
        [TaskDefinition.Create<int, int>("call", (n, _) => Task.FromResult(n), TaskPresets.ExternalApi.WithConcurrencyLimit(100).WithRateLimit(limit))],
        TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 100 });
}
