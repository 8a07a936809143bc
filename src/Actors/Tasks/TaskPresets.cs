namespace Actors.Tasks;

/// <summary>
/// The five categories of seed 002 as starting points for a definition: each sets a timeout, a retry
/// policy, a concurrency limit and an estimated duration suited to that kind of work. Start from one and
/// change what differs: <c>TaskPresets.ExternalApi.WithTimeout(TimeSpan.FromSeconds(5))</c>.
/// </summary>
public static class TaskPresets
{
    /// <summary>Reading, writing and hashing files: I/O-bound, a few at a time, quick retries.</summary>
    public static TaskSettings FileOperations { get; } = new(
        TimeSpan.FromMinutes(5), RetryPolicy.Default.WithMaxAttempts(3).WithBackoff(TimeSpan.FromMilliseconds(500), 2, TimeSpan.FromSeconds(10)), 4, TimeSpan.FromSeconds(10));

    /// <summary>Queries and bulk writes: short, retried on transient errors (deadlocks, busy database).</summary>
    public static TaskSettings DatabaseOperations { get; } = new(
        TimeSpan.FromMinutes(2), RetryPolicy.Default.WithMaxAttempts(5).WithBackoff(TimeSpan.FromMilliseconds(200), 2, TimeSpan.FromSeconds(5)), 8, TimeSpan.FromSeconds(2));

    /// <summary>Analysing data or source trees: long, CPU and I/O mixed, rarely worth retrying.</summary>
    public static TaskSettings Analysis { get; } = new(
        TimeSpan.FromMinutes(30), RetryPolicy.Default.WithMaxAttempts(2).WithBackoff(TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(30)), 2, TimeSpan.FromMinutes(1));

    /// <summary>Calls to other services: short timeouts, several retries with a longer backoff, generous jitter.</summary>
    public static TaskSettings ExternalApi { get; } = new(
        TimeSpan.FromSeconds(30), RetryPolicy.Default.WithMaxAttempts(5).WithBackoff(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1)).WithJitter(0.25), 16, TimeSpan.FromSeconds(1));

    /// <summary>CPU-heavy computation: one per core, long timeouts, no retries (it would fail the same way).</summary>
    public static TaskSettings ComputationHeavy { get; } = new(
        TimeSpan.FromHours(1), RetryPolicy.None, Environment.ProcessorCount, TimeSpan.FromMinutes(5));

    /// <summary>The presets by name, for configuration and listings.</summary>
    public static IReadOnlyDictionary<string, TaskSettings> ByName { get; } = new Dictionary<string, TaskSettings>(StringComparer.OrdinalIgnoreCase)
    {
        ["file-operations"] = FileOperations,
        ["database-operations"] = DatabaseOperations,
        ["analysis"] = Analysis,
        ["external-api"] = ExternalApi,
        ["computation-heavy"] = ComputationHeavy,
    };
}

/// <summary>
/// The run settings of a task type, validated and immutable; <c>With*</c> methods return copies.
/// </summary>
public sealed record TaskSettings
{
    /// <summary>Creates settings; every argument is validated.</summary>
    /// <param name="timeout">How long one attempt may run before its token fires and it counts as a retryable failure: positive.</param>
    /// <param name="retry">How failed attempts are retried.</param>
    /// <param name="concurrencyLimit">How many tasks of the type run at once: at least 1.</param>
    /// <param name="estimatedDuration">What callers are told to expect: not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public TaskSettings(TimeSpan timeout, RetryPolicy retry, int concurrencyLimit, TimeSpan estimatedDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrencyLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(estimatedDuration, TimeSpan.Zero);
        (Timeout, Retry, ConcurrencyLimit, EstimatedDuration) = (timeout, retry, concurrencyLimit, estimatedDuration);
    }

    /// <summary>How long one attempt may run.</summary>
    public TimeSpan Timeout { get; private init; }

    /// <summary>How failed attempts are retried.</summary>
    public RetryPolicy Retry { get; private init; }

    /// <summary>How many tasks of the type run at once (with <see cref="Adaptive"/>, the most the adaptive limit may reach).</summary>
    public int ConcurrencyLimit { get; private init; }

    /// <summary>What callers are told to expect.</summary>
    public TimeSpan EstimatedDuration { get; private init; }

    /// <summary>How many attempts of the type may start per second (with burst cooldown); null for no limit.</summary>
    public TaskRateLimit? RateLimit { get; private init; }

    /// <summary>When the type's attempts stop starting after failures, and how they resume; null for no breaker.</summary>
    public TaskCircuitBreaker? CircuitBreaker { get; private init; }

    /// <summary>How the type's concurrency adapts to the latency and errors it sees; null for the fixed <see cref="ConcurrencyLimit"/>.</summary>
    public TaskAdaptiveConcurrency? Adaptive { get; private init; }

    /// <summary>Whether identical inputs share one run (and its result for a while); null for never.</summary>
    public TaskResultSharing? Sharing { get; private init; }

    /// <summary>A copy with another timeout.</summary>
    public TaskSettings WithTimeout(TimeSpan timeout) => new(timeout, Retry, ConcurrencyLimit, EstimatedDuration) { RateLimit = RateLimit, CircuitBreaker = CircuitBreaker, Adaptive = Adaptive, Sharing = Sharing };

    /// <summary>A copy with another retry policy.</summary>
    public TaskSettings WithRetry(RetryPolicy retry) => new(Timeout, retry, ConcurrencyLimit, EstimatedDuration) { RateLimit = RateLimit, CircuitBreaker = CircuitBreaker, Adaptive = Adaptive, Sharing = Sharing };

    /// <summary>A copy with another concurrency limit.</summary>
    public TaskSettings WithConcurrencyLimit(int concurrencyLimit) =>
        new(Timeout, Retry, concurrencyLimit, EstimatedDuration) { RateLimit = RateLimit, CircuitBreaker = CircuitBreaker, Adaptive = Adaptive?.Validated(concurrencyLimit), Sharing = Sharing };

    /// <summary>A copy with another estimated duration.</summary>
    public TaskSettings WithEstimatedDuration(TimeSpan estimatedDuration) =>
        new(Timeout, Retry, ConcurrencyLimit, estimatedDuration) { RateLimit = RateLimit, CircuitBreaker = CircuitBreaker, Adaptive = Adaptive, Sharing = Sharing };

    /// <summary>A copy with a start rate limit (null: none).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value of the limit is out of its range.</exception>
    public TaskSettings WithRateLimit(TaskRateLimit? rateLimit) => this with { RateLimit = rateLimit?.Validated() };

    /// <summary>A copy with a circuit breaker (null: none).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value of the breaker is out of its range.</exception>
    public TaskSettings WithCircuitBreaker(TaskCircuitBreaker? breaker) => this with { CircuitBreaker = breaker?.Validated() };

    /// <summary>A copy whose concurrency adapts between the bounds of <paramref name="adaptive"/> (its maximum at most <see cref="ConcurrencyLimit"/>); null: fixed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public TaskSettings WithAdaptiveConcurrency(TaskAdaptiveConcurrency? adaptive) => this with { Adaptive = adaptive?.Validated(ConcurrencyLimit) };

    /// <summary>A copy in which identical inputs share one run (null: never).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public TaskSettings WithResultSharing(TaskResultSharing? sharing) => this with { Sharing = sharing?.Validated() };
}
