namespace Actors.Tasks;

/// <summary>
/// Adaptive concurrency for a task type (AIMD): the number of its attempts that may run at once grows by one for each
/// limit's worth of attempts that succeed in time, and shrinks by <paramref name="Backoff"/> when the type is overloaded:
/// a retryable failure (a timeout, a 429 or 503, any transient error), or a round of attempts whose median latency is
/// <paramref name="LatencyTolerance"/> times that of the fastest recent round. At most one decrease per round of attempts (those
/// started before a decrease do not cause another), so one congestion event does not collapse the limit.
/// </summary>
/// <param name="Min">The lowest limit: at least 1.</param>
/// <param name="Max">The highest limit; null for the type's concurrency limit (and never above it).</param>
/// <param name="Initial">The limit to start from; null for <paramref name="Min"/>.</param>
/// <param name="LatencyTolerance">How many times slower than the fastest recent round counts as overload: above 1.</param>
/// <param name="Backoff">What a decrease multiplies the limit by: above 0 and below 1.</param>
public sealed record TaskAdaptiveConcurrency(int Min = 1, int? Max = null, int? Initial = null, double LatencyTolerance = 2.0, double Backoff = 0.9)
{
    internal TaskAdaptiveConcurrency Validated(int concurrencyLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Min, 1, nameof(Min));
        var max = Max ?? concurrencyLimit;
        ArgumentOutOfRangeException.ThrowIfLessThan(max, Min, nameof(Max));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, concurrencyLimit, nameof(Max));
        ArgumentOutOfRangeException.ThrowIfLessThan(Initial ?? Min, Min, nameof(Initial));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Initial ?? Min, max, nameof(Initial));
        if (!(LatencyTolerance > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LatencyTolerance), LatencyTolerance, "The latency tolerance is a factor above 1.");
        }

        if (!(Backoff is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Backoff), Backoff, "The backoff is a factor above 0 and below 1.");
        }

        return this;
    }
}

/// <summary>The queue's adaptive limit for one type. Used by the queue actor only.</summary>
/// <remarks>
/// Latency is judged per round (as many successes as the limit, at least 10), by the round's median against the fastest
/// median of the last 20 rounds: one slow attempt (a pause of the machine, a cold cache) is noise, half a round of them is
/// a queue building up upstream. The baseline follows an upstream that became slower for good, after 20 rounds.
/// </remarks>
internal sealed class AdaptiveLimit(TaskAdaptiveConcurrency settings, int concurrencyLimit)
{
    private const int MinRound = 10;
    private const int RoundsKept = 20;
    private readonly int _max = settings.Max ?? concurrencyLimit;
    private double _limit = settings.Initial ?? settings.Min;
    private readonly List<double> _round = [];
    private readonly Queue<double> _roundMedians = new();

    /// <summary>Attempts started before this sequence number do not cause another decrease.</summary>
    private long _decreasedAt = long.MinValue;

    /// <summary>How many attempts may run at once now.</summary>
    public int Current => (int)_limit;

    /// <summary>The fastest recent round's median latency, in milliseconds (0 before the first round).</summary>
    public double BaselineMs { get; private set; }

    /// <summary>The limit at the last refusal (an error, not slowness, so noise does not set it); near it, the limit grows a quarter as fast. Null once passed by two.</summary>
    private double? _ceiling;

    /// <summary>An attempt (started as number <paramref name="startedAt"/>) succeeded after <paramref name="latencyMs"/>.</summary>
    public void OnSuccess(long startedAt, long nowSequence, double latencyMs)
    {
        // One more per round of successes, but near the limit that last overloaded the type one per four rounds: the
        // limit spends its time just below that point instead of overshooting it again at once.
        var nearCeiling = _ceiling is { } ceiling && _limit >= ceiling - 1;
        _limit = Math.Min(_max, _limit + (nearCeiling ? 0.25 : 1) / _limit);
        if (_limit >= _ceiling + 2)
        {
            _ceiling = null;
        }

        _round.Add(latencyMs);
        if (_round.Count < Math.Max(MinRound, Current))
        {
            return;
        }

        _round.Sort();
        var median = _round[_round.Count / 2];
        _round.Clear();
        if (BaselineMs > 0 && median > settings.LatencyTolerance * BaselineMs)
        {
            Decrease(startedAt, nowSequence);
        }

        _roundMedians.Enqueue(median);
        if (_roundMedians.Count > RoundsKept)
        {
            _roundMedians.Dequeue();
        }

        BaselineMs = _roundMedians.Min();
    }

    /// <summary>An attempt (started as number <paramref name="startedAt"/>) was refused or failed: the type is overloaded.</summary>
    public void OnOverload(long startedAt, long nowSequence)
    {
        if (Decrease(startedAt, nowSequence))
        {
            _ceiling = _limit / settings.Backoff;
        }
    }

    private bool Decrease(long startedAt, long nowSequence)
    {
        if (startedAt < _decreasedAt)
        {
            return false;
        }

        _decreasedAt = nowSequence;
        _limit = Math.Max(settings.Min, _limit * settings.Backoff);
        return true;
    }
}
