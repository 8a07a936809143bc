using System.Diagnostics.Metrics;
using Actors.Telemetry;

namespace Actors.Compute;

/// <summary>The compute pool's instruments (<see cref="ActorsTelemetry.ComputeMeter"/>), recorded when a run ends (never per unit: units may take microseconds).</summary>
internal static class ComputeMetrics
{
    private static readonly Meter Meter = new(ActorsTelemetry.ComputeMeter, typeof(ComputeMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Work units finished, by their run's mode and outcome (completed, failed, cancelled), counted at their run's end.</summary>
    public static readonly Counter<long> Units = Meter.CreateCounter<long>("actors.compute.units", "{unit}", "Work units finished, by outcome.");

    /// <summary>Runs ended, by mode and settlement.</summary>
    public static readonly Counter<long> Runs = Meter.CreateCounter<long>("actors.compute.runs", "{run}", "Work runs ended, by mode and settlement.");

    /// <summary>How long runs took, from creation to end, by mode.</summary>
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("actors.compute.run.duration", "s", "How long work runs took, by mode.");
}
