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

    /// <summary>Every meter of the library.</summary>
    public static readonly string[] Meters = [TasksMeter, JobsMeter, ComputeMeter];

    /// <summary>Task spans: <c>submit {type}</c> (the facade's submit) and <c>attempt {type}</c> (each attempt, a child of its submit, also after a restart).</summary>
    public const string TasksSource = Prefix + "Tasks";

    /// <summary>Every activity source of the library (<c>TracerProviderBuilder.AddSource(ActorsTelemetry.Sources)</c>).</summary>
    public static readonly string[] Sources = [TasksSource];
}
