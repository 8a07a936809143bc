using System.Diagnostics.Metrics;
using Actors.Telemetry;

namespace Actors.Tasks;

/// <summary>The task queue's instruments (<see cref="ActorsTelemetry.TasksMeter"/>). Recorded by the queue and its journal only.</summary>
internal static class TaskMetrics
{
    private static readonly Meter Meter = new(ActorsTelemetry.TasksMeter, typeof(TaskMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Tasks accepted (stored, with a journal), by type.</summary>
    public static readonly Counter<long> Submitted = Meter.CreateCounter<long>("actors.tasks.submitted", "{task}", "Tasks accepted by the queue.");

    /// <summary>Tasks ended, by type and outcome (completed, failed, cancelled).</summary>
    public static readonly Counter<long> Ended = Meter.CreateCounter<long>("actors.tasks.ended", "{task}", "Tasks that ended, by outcome.");

    /// <summary>Failed attempts that will be tried again, by type.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("actors.tasks.retries", "{attempt}", "Failed attempts scheduled to be tried again.");

    /// <summary>How long tasks waited from acceptance to their first attempt's start, by type.</summary>
    public static readonly Histogram<double> WaitDuration = Meter.CreateHistogram<double>("actors.tasks.wait.duration", "s", "From a task's acceptance to its first attempt's start.");

    /// <summary>How long each attempt's handler ran, by type and outcome.</summary>
    public static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram<double>("actors.tasks.attempt.duration", "s", "How long each attempt's handler ran.");

    /// <summary>Tasks waiting for a slot, by type and priority.</summary>
    public static readonly UpDownCounter<long> Waiting = Meter.CreateUpDownCounter<long>("actors.tasks.waiting", "{task}", "Tasks waiting for a slot.");

    /// <summary>A type's (or policy key's) current concurrency limit (the adaptive one where there is one).</summary>
    public static readonly Gauge<int> ConcurrencyLimit = Meter.CreateGauge<int>("actors.tasks.concurrency.limit", "{attempt}", "How many attempts of a type (or key) may run at once now.");

    /// <summary>A type's (or policy key's) circuit breaker: 0 closed, 1 half open, 2 open.</summary>
    public static readonly Gauge<int> Circuit = Meter.CreateGauge<int>("actors.tasks.circuit.state", null, "A circuit breaker's state: 0 closed, 1 half open, 2 open.");

    /// <summary>How long each journal write (a group commit) took.</summary>
    public static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram<double>("actors.tasks.journal.write.duration", "s", "How long one group commit of the task journal took.");

    /// <summary>How many entries each journal write held.</summary>
    public static readonly Histogram<int> JournalBatchSize = Meter.CreateHistogram<int>("actors.tasks.journal.batch.size", "{entry}", "Entries per group commit of the task journal.");

    public static KeyValuePair<string, object?> Type(string type) => new("type", type);

    public static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);
}
