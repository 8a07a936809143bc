using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Actors.Tests.Telemetry;

/// <summary>
/// What one meter reports, as an OpenTelemetry exporter reads it (a <see cref="MeterListener"/>), kept only when a tag
/// has a value of the test's own (meters are process-wide; other tests run at the same time).
/// </summary>
public sealed class Measurements : IDisposable
{
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measured = new();
    private readonly MeterListener _listener = new();

    public Measurements(string meter, string tag, object value)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, measured, tags, _) => Record(instrument, measured, tags, tag, value));
        _listener.SetMeasurementEventCallback<double>((instrument, measured, tags, _) => Record(instrument, measured, tags, tag, value));
        _listener.SetMeasurementEventCallback<int>((instrument, measured, tags, _) => Record(instrument, measured, tags, tag, value));
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements, optionally of those with a tag's value.</summary>
    public double Sum(string instrument, string? tag = null, object? value = null) =>
        _measured.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), value))).Sum(m => m.Value);

    /// <summary>How many measurements an instrument took (a histogram's samples).</summary>
    public int Count(string instrument) => _measured.Count(m => m.Instrument == instrument);

    /// <summary>The largest measurement of an instrument.</summary>
    public double Max(string instrument) => _measured.Where(m => m.Instrument == instrument).Max(m => m.Value);

    /// <summary>Reads the observable instruments now (gauges report only when an exporter collects).</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    /// <summary>Forgets what was measured so far (before observing gauges again).</summary>
    public void Clear() => _measured.Clear();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double measured, ReadOnlySpan<KeyValuePair<string, object?>> tags, string tag, object value)
    {
        var tagged = new Dictionary<string, object?>();
        foreach (var pair in tags)
        {
            tagged[pair.Key] = pair.Value;
        }

        if (Equals(tagged.GetValueOrDefault(tag), value))
        {
            _measured.Enqueue((instrument.Name, measured, tagged));
        }
    }
}
