using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;

namespace Actors.Tests.Telemetry;

/// <summary>The task queue's metrics, read with a MeterListener (as an OpenTelemetry exporter reads them) for a type of this test's own.</summary>
public sealed class TaskMetricsSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _type = $"metrics-{Guid.NewGuid():N}";
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measured = new();
    private readonly MeterListener _listener = new();

    public TaskMetricsSpecs()
        : base(ActorsConfig.Defaults)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ActorsTelemetry.TasksMeter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.Start();
    }

    [Fact]
    public async Task N_tasks_of_which_K_fail_after_one_retry_should_count_exactly_that_and_time_N_plus_K_attempts()
    {
        const int n = 20, k = 5;
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<int, int>(_type, (i, _) => i < k ? throw new RetryableTaskException("upstream down") : Task.FromResult(i),
                TaskPresets.ExternalApi.WithRetry(new RetryPolicy(2, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(1), 0))),
        ]);

        await Task.WhenAll(Enumerable.Range(0, n).Select(i => queue.SubmitAsync(_type, i)));
        await AwaitAssertAsync(() => Assert.Equal(n, Sum("actors.tasks.ended")), TimeSpan.FromSeconds(10));

        Assert.Equal(n, Sum("actors.tasks.submitted"));
        Assert.Equal(n - k, Sum("actors.tasks.ended", "completed"));
        Assert.Equal(k, Sum("actors.tasks.ended", "failed"));
        Assert.Equal(k, Sum("actors.tasks.retries"));
        Assert.Equal(n + k, _measured.Count(m => m.Instrument == "actors.tasks.attempt.duration"));
        Assert.Equal(n, _measured.Count(m => m.Instrument == "actors.tasks.wait.duration"));
        Assert.Equal(0, Sum("actors.tasks.waiting"));
    }

    private double Sum(string instrument, string? outcome = null) =>
        _measured.Where(m => m.Instrument == instrument && (outcome is null || Equals(m.Tags.GetValueOrDefault("outcome"), outcome))).Sum(m => m.Value);

    private void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var tagged = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            tagged[tag.Key] = tag.Value;
        }

        if (Equals(tagged.GetValueOrDefault("type"), _type))
        {
            _measured.Enqueue((instrument.Name, value, tagged));
        }
    }

    public new void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }
}
