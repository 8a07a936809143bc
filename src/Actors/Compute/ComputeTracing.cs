using System.Diagnostics;
using Actors.Telemetry;

namespace Actors.Compute;

/// <summary>The compute spans (<see cref="ActorsTelemetry.ComputeSource"/>): one per work run, from its creation to its end (never per unit: units may take microseconds).</summary>
internal static class ComputeTracing
{
    private static readonly ActivitySource Source = new(ActorsTelemetry.ComputeSource, typeof(ComputeTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts a run's span, a child of the caller's current span, without leaving it current in the caller's flow (the
    /// caller's next run must not become its child). Null when nobody listens.
    /// </summary>
    public static Activity? StartRun(WorkRunMode mode, int units)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var scope = SpanScope.Save();
        var activity = Source.StartActivity($"compute {mode.ToString().ToLowerInvariant()}");
        activity?.SetTag("compute.units", units);
        scope.Restore();
        return activity;
    }

    /// <summary>Ends a run's span with its settlement and unit counts.</summary>
    public static void EndRun(Activity? activity, WorkRunSettlement settlement, int completed, int failed, string? failure)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("compute.settlement", settlement.ToString().ToLowerInvariant()).SetTag("compute.units.completed", completed).SetTag("compute.units.failed", failed);
        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure);
        }

        activity.Stop();
    }
}
