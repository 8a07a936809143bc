using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;

namespace Actors.Tests.Telemetry;

/// <summary>The task queue's metrics, read as an exporter reads them, for a type of this test's own.</summary>
public sealed class TaskMetricsSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    private readonly string _type = $"metrics-{Guid.NewGuid():N}";

    [Fact]
    public async Task N_tasks_of_which_K_fail_after_one_retry_should_count_exactly_that_and_time_N_plus_K_attempts()
    {
        const int n = 20, k = 5;
        using var metrics = new Measurements(ActorsTelemetry.TasksMeter, "type", _type);
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<int, int>(_type, (i, _) => i < k ? throw new RetryableTaskException("upstream down") : Task.FromResult(i),
                TaskPresets.ExternalApi.WithRetry(new RetryPolicy(2, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(1), 0))),
        ]);

        await Task.WhenAll(Enumerable.Range(0, n).Select(i => queue.SubmitAsync(_type, i)));
        await AwaitAssertAsync(() => Assert.Equal(n, metrics.Sum("actors.tasks.ended")), TimeSpan.FromSeconds(10));

        Assert.Equal(n, metrics.Sum("actors.tasks.submitted"));
        Assert.Equal(n - k, metrics.Sum("actors.tasks.ended", "outcome", "completed"));
        Assert.Equal(k, metrics.Sum("actors.tasks.ended", "outcome", "failed"));
        Assert.Equal(k, metrics.Sum("actors.tasks.retries"));
        Assert.Equal(n + k, metrics.Count("actors.tasks.attempt.duration"));
        Assert.Equal(n, metrics.Count("actors.tasks.wait.duration"));
        Assert.Equal(0, metrics.Sum("actors.tasks.waiting"));
    }
}
