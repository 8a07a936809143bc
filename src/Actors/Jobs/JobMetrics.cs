using System.Diagnostics.Metrics;
using Actors.Telemetry;

namespace Actors.Jobs;

/// <summary>The jobs' instruments (<see cref="ActorsTelemetry.JobsMeter"/>), recorded by each job's actor.</summary>
internal static class JobMetrics
{
    private static readonly Meter Meter = new(ActorsTelemetry.JobsMeter, typeof(JobMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Jobs running, by kind (the manager's name).</summary>
    public static readonly UpDownCounter<long> Running = Meter.CreateUpDownCounter<long>("actors.jobs.running", "{job}", "Jobs running.");

    /// <summary>Jobs ended, by kind and reason (completed, stopped, failed).</summary>
    public static readonly Counter<long> Ended = Meter.CreateCounter<long>("actors.jobs.ended", "{job}", "Jobs that ended, by reason.");

    /// <summary>Actions handled, by kind and outcome (handled, failed).</summary>
    public static readonly Counter<long> Actions = Meter.CreateCounter<long>("actors.jobs.actions", "{action}", "Actions handled by jobs, by outcome.");

    public static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);
}
