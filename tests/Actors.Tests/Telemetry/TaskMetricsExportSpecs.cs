using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Actors.Tests.Telemetry;

/// <summary>The task queue's metrics through the OpenTelemetry SDK and its in-memory exporter, as an application would wire them.</summary>
public sealed class TaskMetricsExportSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    private readonly string _type = $"exported-{Guid.NewGuid():N}";

    [Fact]
    public async Task N_tasks_of_which_K_fail_after_one_retry_each_should_export_exactly_those_counts_and_N_plus_K_attempt_samples()
    {
        const int n = 30, k = 7;
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(ActorsTelemetry.Meters).AddInMemoryExporter(exported).Build();
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<int, int>(_type, (i, _) => i < k ? throw new RetryableTaskException("upstream down") : Task.FromResult(i),
                TaskPresets.ExternalApi.WithRetry(new RetryPolicy(2, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(1), 0))),
        ]);

        await Task.WhenAll(Enumerable.Range(0, n).Select(i => queue.SubmitAsync(_type, i)));
        await AwaitAssertAsync(() =>
        {
            exported.Clear();
            provider.ForceFlush();
            Assert.Equal(n, Sum(exported, "actors.tasks.ended"));
        }, TimeSpan.FromSeconds(10));

        Assert.Equal(n, Sum(exported, "actors.tasks.submitted"));
        Assert.Equal(n - k, Sum(exported, "actors.tasks.ended", ("outcome", "completed")));
        Assert.Equal(k, Sum(exported, "actors.tasks.ended", ("outcome", "failed")));
        Assert.Equal(k, Sum(exported, "actors.tasks.retries"));
        Assert.Equal(n + k, Samples(exported, "actors.tasks.attempt.duration"));
        Assert.Equal(k * 2, Samples(exported, "actors.tasks.attempt.duration", ("outcome", "failed")));
        Assert.Equal(n, Samples(exported, "actors.tasks.wait.duration"));
    }

    /// <summary>The summed value of a counter's points of this spec's type (and the tag, if given), from the last export.</summary>
    private long Sum(List<MetricSnapshot> exported, string name, (string Key, string Value)? tag = null) =>
        Points(exported, name, tag).Sum(point => point.GetSumLong());

    /// <summary>How many samples a histogram's points of this spec's type (and the tag, if given) hold.</summary>
    private long Samples(List<MetricSnapshot> exported, string name, (string Key, string Value)? tag = null) =>
        Points(exported, name, tag).Sum(point => point.GetHistogramCount());

    private IEnumerable<MetricPoint> Points(List<MetricSnapshot> exported, string name, (string Key, string Value)? tag)
    {
        foreach (var metric in exported.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var tags = new Dictionary<string, object?>();
                foreach (var pair in point.Tags)
                {
                    tags[pair.Key] = pair.Value;
                }

                if (Equals(tags.GetValueOrDefault("type"), _type) && (tag is not { } wanted || Equals(tags.GetValueOrDefault(wanted.Key), wanted.Value)))
                {
                    yield return point;
                }
            }
        }
    }
}
