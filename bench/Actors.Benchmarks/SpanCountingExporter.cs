using System.Diagnostics;
using OpenTelemetry;

namespace Actors.Benchmarks;

/// <summary>
/// An exporter that does what a real one does with each span short of the network: reads its names, ids, times, status and
/// tags (an OTLP exporter serializes exactly these), keeps nothing, and counts. Behind a batch processor, as OTLP is.
/// </summary>
internal sealed class SpanCountingExporter : BaseExporter<Activity>
{
    private long _exported;
    private long _checksum;

    /// <summary>Spans exported so far.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var span in batch)
        {
            var sum = span.DisplayName.Length + span.TraceId.GetHashCode() + span.SpanId.GetHashCode() + span.ParentSpanId.GetHashCode()
                + span.StartTimeUtc.Ticks + span.Duration.Ticks + (int)span.Status + (int)span.Kind;
            foreach (var tag in span.TagObjects)
            {
                sum += tag.Key.Length + (tag.Value?.GetHashCode() ?? 0);
            }

            _checksum += sum;
            Interlocked.Increment(ref _exported);
        }

        return ExportResult.Success;
    }
}
