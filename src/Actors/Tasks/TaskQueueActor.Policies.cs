using Akka.Event;

namespace Actors.Tasks;

// Per-type policies beyond slots and start rates: the circuit breaker (which holds a type's tasks back while open),
// the adaptive concurrency limit (AIMD on latency and overload), and each type's recent outcomes, from which its
// health is told. Every attempt's verdict comes through ObserveVerdict: a result, a failure, or a timeout.
internal sealed partial class TaskQueueActor
{
    private readonly Dictionary<string, TaskBreakerGate> _breakers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AdaptiveLimit> _adaptive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecentOutcomes> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Counts attempts started, so an adaptive limit can tell the attempts started before its last decrease.</summary>
    private long _startSequence;

    private void StartPolicies()
    {
        foreach (var definition in _definitions.Values)
        {
            _outcomes.Add(definition.Type, new RecentOutcomes());
            if (definition.Settings.CircuitBreaker is { } breaker)
            {
                _breakers.Add(definition.Type, new TaskBreakerGate(breaker));
            }

            if (definition.Settings.Adaptive is { } adaptive)
            {
                _adaptive.Add(definition.Type, new AdaptiveLimit(adaptive));
            }
        }
    }

    /// <summary>Whether a type's slots and breaker let another attempt start now.</summary>
    private bool TypeMayStart(string type) =>
        _slotsTaken[type] < LimitOf(type) && (_breakers.Count == 0 || !_breakers.TryGetValue(type, out var breaker) || breaker.MayStart);

    /// <summary>How many attempts of the type may run at once now.</summary>
    private int LimitOf(string type) =>
        _adaptive.Count > 0 && _adaptive.TryGetValue(type, out var adaptive) ? adaptive.Current : _definitions[type].Settings.ConcurrencyLimit;

    /// <summary>An attempt starts: noted for its round (adaptive limit) and the breaker's probe.</summary>
    private void OnAttemptStarting(TaskRun run)
    {
        run.StartSequence = ++_startSequence;
        if (_breakers.Count > 0 && _breakers.TryGetValue(run.Definition.Type, out var breaker))
        {
            breaker.OnStarting(run.Record.Id);
        }
    }

    /// <summary>An attempt's verdict after <paramref name="latencyMs"/> (as its lane measured): succeeded (<paramref name="error"/> null) or failed; a timeout is a retryable failure.</summary>
    private void ObserveVerdict(TaskRun run, TaskError? error, double latencyMs)
    {
        var type = run.Definition.Type;
        var overloaded = error is { IsRetryable: true };
        _outcomes[type].Add(overloaded, latencyMs);
        if (_adaptive.Count > 0 && _adaptive.TryGetValue(type, out var adaptive))
        {
            if (overloaded)
            {
                adaptive.OnOverload(run.StartSequence, _startSequence);
            }
            else
            {
                adaptive.OnSuccess(run.StartSequence, _startSequence, latencyMs);
            }
        }

        if (_breakers.Count > 0 && _breakers.TryGetValue(type, out var breaker) && breaker.OnOutcome(run.Record.Id, overloaded) is { } why)
        {
            CircuitChanged(type, breaker, why);
        }
    }

    /// <summary>An attempt ended without a verdict (its task was cancelled or cut off): if it was the probe, another may probe.</summary>
    private void ObserveNoVerdict(TaskRun run)
    {
        if (_breakers.Count > 0 && _breakers.TryGetValue(run.Definition.Type, out var breaker))
        {
            breaker.OnProbeLost(run.Record.Id);
        }
    }

    private void CircuitChanged(string type, TaskBreakerGate breaker, string why)
    {
        if (breaker.State == TaskCircuitState.Open)
        {
            Timers.StartSingleTimer(("circuit", type), new CircuitOpenPeriodEnded(type), breaker.Settings.OpenPeriod);
            _log.Warning("The circuit breaker of task type {0} opened ({1}); its tasks wait for {2}, then one probes", type, why, breaker.Settings.OpenPeriod);
        }
        else
        {
            _log.Info("The circuit breaker of task type {0} is {1} ({2})", type, breaker.State, why);
        }

        _publish(new TaskCircuitChanged(type, breaker.State, why, Now));
    }

    private void OnCircuitOpenPeriodEnded(string type)
    {
        if (_breakers.TryGetValue(type, out var breaker) && breaker.OnOpenPeriodEnded())
        {
            CircuitChanged(type, breaker, $"open for {breaker.Settings.OpenPeriod}: one attempt probes");
            StartWhatMayStart();
        }
    }

    private TaskTypeHealthReport TypeHealth() => new(_definitions.Keys.Order(StringComparer.Ordinal).Select(type =>
    {
        var outcomes = _outcomes[type];
        var rate = _rateGates.GetValueOrDefault(type);
        return new TaskTypeHealth(type, _breakers.GetValueOrDefault(type)?.State ?? TaskCircuitState.Closed, LimitOf(type), _slotsTaken[type], _waiting[type].Count,
            outcomes.Count, outcomes.ErrorRate, outcomes.P95LatencyMs, rate?.Permits, rate?.CoolingDown ?? false);
    }).ToList());

    /// <summary>A type's last attempts' verdicts and durations: a ring of fixed size.</summary>
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

/// <summary>A type's breaker has been open for its period: it goes half open.</summary>
internal sealed record CircuitOpenPeriodEnded(string Type);
