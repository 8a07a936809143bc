using System.Collections.Concurrent;
using System.Diagnostics;

namespace Actors.Tests.Telemetry;

/// <summary>
/// Records the spans of some activity sources as they end, as an OpenTelemetry tracer would (an <see cref="ActivityListener"/>
/// that samples everything). One per spec class: listeners are process-wide, so specs filter by names of their own.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanRecorder(params string[] sources)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans that have ended, in the order they ended.</summary>
    public ConcurrentQueue<Activity> Spans { get; } = new();

    public void Dispose() => _listener.Dispose();
}
