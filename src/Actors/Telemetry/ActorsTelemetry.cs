namespace Actors.Telemetry;

/// <summary>
/// The names under which the library reports metrics (<see cref="System.Diagnostics.Metrics.Meter"/>, one per capability)
/// and traces (<see cref="System.Diagnostics.ActivitySource"/>).
/// Listen to them with an OpenTelemetry <c>MeterProviderBuilder.AddMeter(ActorsTelemetry.Meters)</c> or a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>; nobody listening costs next to nothing.
/// </summary>
public static class ActorsTelemetry
{
    private const string Prefix = "Actors.";

    /// <summary>Task queue metrics: <c>actors.tasks.*</c>.</summary>
    public const string TasksMeter = Prefix + "Tasks";

    /// <summary>Job metrics: <c>actors.jobs.*</c>.</summary>
    public const string JobsMeter = Prefix + "Jobs";

    /// <summary>Compute pool metrics: <c>actors.compute.*</c>.</summary>
    public const string ComputeMeter = Prefix + "Compute";

    /// <summary>Thunk coordinator metrics: <c>actors.thunks.*</c> (trees active and waiting, lock wait and hold, actions).</summary>
    public const string ThunksMeter = Prefix + "Thunks";

    /// <summary>Cluster metrics: <c>actors.cluster.members</c> by status, as each node sees them.</summary>
    public const string ClusterMeter = Prefix + "Cluster";

    /// <summary>Every meter of the library.</summary>
    public static readonly string[] Meters = [TasksMeter, JobsMeter, ComputeMeter, ThunksMeter, ClusterMeter];

    /// <summary>Task spans: <c>submit {type}</c> (the facade's submit) and <c>attempt {type}</c> (each attempt, a child of its submit, also after a restart).</summary>
    public const string TasksSource = Prefix + "Tasks";

    /// <summary>Job spans: <c>job action {kind}</c>, one per action a job handles.</summary>
    public const string JobsSource = Prefix + "Jobs";

    /// <summary>Thunk spans: <c>thunk tree</c> (a root run through the facade, including its wait for the lock) and <c>thunk</c> (a child, under its parent's).</summary>
    public const string ThunksSource = Prefix + "Thunks";

    /// <summary>Compute spans: <c>compute {mode}</c>, one per work run, from its creation to its end.</summary>
    public const string ComputeSource = Prefix + "Compute";

    /// <summary>Every activity source of the library (<c>TracerProviderBuilder.AddSource(ActorsTelemetry.Sources)</c>).</summary>
    public static readonly string[] Sources = [TasksSource, JobsSource, ThunksSource, ComputeSource];
}
