using Actors.Configuration;
using Actors.Tasks;
using Actors.TestKit;

namespace Actors.Tests.Tasks;

/// <summary>Adaptive concurrency (AIMD) against a simulated upstream whose latency and 503s grow beyond its capacity.</summary>
public sealed class TaskAdaptiveConcurrencySpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    [Fact]
    public async Task The_limit_should_settle_within_20_percent_of_the_upstreams_capacity()
    {
        const int capacity = 10;
        var upstream = new SimulatedUpstream(capacity, TimeSpan.FromMilliseconds(2));
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<int, int>("call", (n, context) => upstream.CallAsync(n, context.CancellationToken),
                TaskPresets.ExternalApi.WithConcurrencyLimit(40).WithRetry(new RetryPolicy(100, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(1), 0))
                    .WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Min: 1, Initial: 1))),
        ], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 64 });

        const int tasks = 4000;
        var completions = CreateTestProbe();
        Sys.EventStream.Subscribe(completions, typeof(TaskCompleted));
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(i => queue.SubmitAsync("call", i)));

        // After the first quarter has completed, the limit is read every 100 completions while plenty still wait.
        completions.ReceiveN(tasks / 4, TimeSpan.FromSeconds(60));
        var samples = new List<int>();
        for (var completed = tasks / 4; completed < tasks * 3 / 4; completed += 100)
        {
            samples.Add(Assert.Single(await queue.GetTypeHealthAsync()).ConcurrencyLimit);
            completions.ReceiveN(100, TimeSpan.FromSeconds(60));
        }

        Assert.NotEmpty(samples);
        Assert.All(samples, limit => Assert.InRange(limit, capacity * 0.8, capacity * 1.2));
        Assert.True(upstream.Rejected > 0, "the limit was never pushed past the capacity, so it was never tested");
        completions.ReceiveN(tasks / 4, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Bounds_out_of_range_should_be_refused_naming_the_value()
    {
        Assert.Equal("Max", Assert.Throws<ArgumentOutOfRangeException>(() =>
            TaskPresets.ExternalApi.WithConcurrencyLimit(8).WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Max: 9))).ParamName);
        Assert.Equal("Backoff", Assert.Throws<ArgumentOutOfRangeException>(() =>
            TaskPresets.ExternalApi.WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Backoff: 1))).ParamName);
    }
}

