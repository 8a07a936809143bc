using Akka.Event;

namespace Actors.Tasks;

// Per-group policies beyond slots and start rates: the circuit breaker (which holds a group's tasks back while open),
// the adaptive concurrency limit (AIMD on latency and overload), and each group's recent outcomes, from which its
// health is told. Every attempt's verdict comes through ObserveVerdict: a result, a failure, or a timeout.
internal sealed partial class TaskQueueActor
{
    /// <summary>Each type's recent outcomes, over all its groups.</summary>
    private readonly Dictionary<string, RecentOutcomes> _typeOutcomes = new(StringComparer.Ordinal);

    /// <summary>Counts attempts started, so an adaptive limit can tell the attempts started before its last decrease.</summary>
    private long _startSequence;

    /// <summary>An attempt starts: noted for its round (adaptive limit) and the breaker's probe.</summary>
    private void OnAttemptStarting(TaskRun run)
    {
        run.StartSequence = ++_startSequence;
        GroupOf(run).Breaker?.OnStarting(run.Record.Id);
    }

    /// <summary>An attempt's verdict after <paramref name="latencyMs"/> (as its lane measured): succeeded (<paramref name="error"/> null) or failed; a timeout is a retryable failure.</summary>
    private void ObserveVerdict(TaskRun run, TaskError? error, double latencyMs)
    {
        var group = GroupOf(run);
        var overloaded = error is { IsRetryable: true };
        group.Outcomes.Add(overloaded, latencyMs);
        if (group.Key is not null)
        {
            TypeOutcomes(run.Definition.Type).Add(overloaded, latencyMs);
        }

        if (group.Adaptive is { } adaptive)
        {
            var before = adaptive.Current;
            if (overloaded)
            {
                adaptive.OnOverload(run.StartSequence, _startSequence);
            }
            else
            {
                adaptive.OnSuccess(run.StartSequence, _startSequence, latencyMs);
            }

            if (adaptive.Current != before)
            {
                TaskMetrics.ConcurrencyLimit.Record(adaptive.Current, TaskMetrics.Type(group.Definition.Type), new KeyValuePair<string, object?>("key", group.Key));
            }
        }

        if (group.Breaker is { } breaker && breaker.OnOutcome(run.Record.Id, overloaded) is { } why)
        {
            CircuitChanged(group, why);
        }
    }

    /// <summary>An attempt ended without a verdict (its task was cancelled or cut off): if it was the probe, another may probe.</summary>
    private void ObserveNoVerdict(TaskRun run) => GroupOf(run).Breaker?.OnProbeLost(run.Record.Id);

    private void CircuitChanged(TaskGroup group, string why)
    {
        var breaker = group.Breaker!;
        var name = NameOf(group);
        if (breaker.State == TaskCircuitState.Open)
        {
            Timers.StartSingleTimer(("circuit", name), new CircuitOpenPeriodEnded(name), breaker.Settings.OpenPeriod);
            _log.Warning("The circuit breaker of task type {0} opened ({1}); its tasks wait for {2}, then one probes", name, why, breaker.Settings.OpenPeriod);
        }
        else
        {
            _log.Info("The circuit breaker of task type {0} is {1} ({2})", name, breaker.State, why);
        }

        _publish(new TaskCircuitChanged(group.Definition.Type, breaker.State, why, Now, group.Key));
        TaskMetrics.Circuit.Record(breaker.State switch { TaskCircuitState.Closed => 0, TaskCircuitState.HalfOpen => 1, _ => 2 },
            TaskMetrics.Type(group.Definition.Type), new KeyValuePair<string, object?>("key", group.Key));
    }

    private void OnCircuitOpenPeriodEnded(string name)
    {
        if (_groups.TryGetValue(name, out var group) && group.Breaker is { } breaker && breaker.OnOpenPeriodEnded())
        {
            CircuitChanged(group, $"open for {breaker.Settings.OpenPeriod}: one attempt probes");
            StartWhatMayStart();
        }
    }

    private static string NameOf(TaskGroup group) => group.Key is null ? group.Definition.Type : $"{group.Definition.Type}[{group.Key}]";

    private RecentOutcomes TypeOutcomes(string type) => _typeOutcomes.TryGetValue(type, out var outcomes) ? outcomes : _typeOutcomes[type] = new RecentOutcomes();

    /// <summary>
    /// Each type's health (its own group's policies; running and waiting over all its groups; outcomes over all its keys),
    /// then each policy key's, types and keys in order.
    /// </summary>
    private TaskTypeHealthReport TypeHealth() => new(_groups.Values
        .OrderBy(group => group.Definition.Type, StringComparer.Ordinal).ThenBy(group => group.Key, StringComparer.Ordinal)
        .Select(group =>
        {
            var type = group.Definition.Type;
            var own = group.Key is null;
            var outcomes = own && group.Definition.HasPolicyKey ? TypeOutcomes(type) : group.Outcomes;
            // A keyed type's own entry stands for the whole type: its slots, not the adaptive limit of its (rarely used) keyless group.
            var limit = own && group.Definition.HasPolicyKey ? group.Definition.Settings.ConcurrencyLimit : group.Adaptive?.Current ?? group.Definition.Settings.ConcurrencyLimit;
            var running = own ? _slotsTaken[type] : group.Running;
            var waiting = own ? _groups.Values.Where(g => g.Definition.Type == type).Sum(g => g.Waiting.Count) : group.Waiting.Count;
            return new TaskTypeHealth(type, group.Breaker?.State ?? TaskCircuitState.Closed, limit, running, waiting, outcomes.Count, outcomes.ErrorRate,
                outcomes.P95LatencyMs, group.Rate?.Permits, group.Rate?.CoolingDown ?? false, group.Key);
        }).ToList());

    /// <summary>A group's last attempts' verdicts and durations: a ring of fixed size.</summary>
    private sealed class RecentOutcomes
    {
        private const int Size = 100;
        private readonly bool[] _failed = new bool[Size];
        private readonly double[] _latencyMs = new double[Size];
        private int _next;

        public int Count { get; private set; }

        public double ErrorRate => Count == 0 ? 0 : (double)_failed.Take(Count).Count(f => f) / Count;

        public double? P95LatencyMs
        {
            get
            {
                if (Count == 0)
                {
                    return null;
                }

                var sorted = _latencyMs.Take(Count).Order().ToArray();
                return Math.Round(sorted[(int)Math.Ceiling(0.95 * Count) - 1], 3);
            }
        }

        public void Add(bool failed, double latencyMs)
        {
            (_failed[_next], _latencyMs[_next]) = (failed, latencyMs);
            _next = (_next + 1) % Size;
            Count = Math.Min(Size, Count + 1);
        }
    }
}

/// <summary>A group's breaker has been open for its period: it goes half open.</summary>
internal sealed record CircuitOpenPeriodEnded(string Group);
