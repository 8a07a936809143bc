using System.Diagnostics;
using System.Diagnostics.Metrics;
using Actors.Telemetry;

namespace Actors.Thunks;

/// <summary>
/// The thunk coordinator's instruments (<see cref="ActorsTelemetry.ThunksMeter"/>, tagged with the actor system's name) and
/// the thunk spans (<see cref="ActorsTelemetry.ThunksSource"/>: one per thunk run through the facade, a child thunk's span
/// the child of its parent's).
/// </summary>
internal static class ThunkTelemetry
{
    private static readonly string? Version = typeof(ThunkTelemetry).Assembly.GetName().Version?.ToString();
    private static readonly Meter Meter = new(ActorsTelemetry.ThunksMeter, Version);
    private static readonly ActivitySource Source = new(ActorsTelemetry.ThunksSource, Version);

    /// <summary>Trees holding their lock.</summary>
    public static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>("actors.thunks.trees.active", "{tree}", "Thunk trees holding their lock.");

    /// <summary>Trees whose root waits for its lock.</summary>
    public static readonly UpDownCounter<long> Waiting = Meter.CreateUpDownCounter<long>("actors.thunks.trees.waiting", "{tree}", "Thunk trees waiting for their lock.");

    /// <summary>From a root's start request to its lock.</summary>
    public static readonly Histogram<double> LockWait = Meter.CreateHistogram<double>("actors.thunks.lock.wait.duration", "s", "How long thunk trees waited for their lock.");

    /// <summary>From a tree's lock to its release.</summary>
    public static readonly Histogram<double> LockHold = Meter.CreateHistogram<double>("actors.thunks.lock.hold.duration", "s", "How long thunk trees held their lock.");

    /// <summary>Trees that ended, by outcome (completed, failed).</summary>
    public static readonly Counter<long> Ended = Meter.CreateCounter<long>("actors.thunks.trees.ended", "{tree}", "Thunk trees that ended, by outcome.");

    /// <summary>Actions handed to the state store.</summary>
    public static readonly Counter<long> Actions = Meter.CreateCounter<long>("actors.thunks.actions", "{action}", "Thunk actions handed to the state store.");

    public static KeyValuePair<string, object?> System(string name) => new("system", name);

    /// <summary>
    /// Starts a thunk's span, a child of the caller's current span (a child thunk's: its parent thunk's), and makes it
    /// current for the thunk's body; null when nobody listens.
    /// </summary>
    public static Activity? StartThunk(bool isRoot, IReadOnlySet<string>? keys)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(isRoot ? "thunk tree" : "thunk");
        if (activity is not null && keys is { Count: > 0 })
        {
            activity.SetTag("thunk.keys", string.Join(',', keys.Order(StringComparer.Ordinal)));
        }

        return activity;
    }
}
