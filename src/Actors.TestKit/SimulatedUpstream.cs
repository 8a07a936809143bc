using Actors.Tasks;

namespace Actors.TestKit;

/// <summary>
/// A stand-in for a remote service with a capacity, to test what a task type does under load (adaptive concurrency, circuit
/// breakers): up to <c>capacity</c> calls at once, a call takes the base latency; beyond it, latency grows with the load
/// (load / capacity times the base) and each call past the capacity is refused with a 503 (a
/// <see cref="RetryableTaskException"/>), as an overloaded service answers. Thread-safe.
/// </summary>
/// <param name="capacity">How many calls it serves at once at its base latency: at least 1.</param>
/// <param name="baseLatency">How long a call takes when it is not overloaded.</param>
public sealed class SimulatedUpstream(int capacity, TimeSpan baseLatency)
{
    private readonly int _capacity = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "At least 1.");
    private readonly List<double> _latenciesMs = [];
    private readonly Lock _recording = new();
    private int _inFlight;
    private int _served;
    private int _rejected;

    /// <summary>Calls served so far.</summary>
    public int Served => Volatile.Read(ref _served);

    /// <summary>Calls refused with a 503 so far.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>One call: returns <paramref name="value"/> after the latency, or throws the 503 when past the capacity.</summary>
    public async Task<T> CallAsync<T>(T value, CancellationToken cancellationToken = default)
    {
        var load = Interlocked.Increment(ref _inFlight);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(baseLatency * Math.Max(1.0, (double)load / _capacity), cancellationToken).ConfigureAwait(false);
            if (load > _capacity)
            {
                Interlocked.Increment(ref _rejected);
                throw new RetryableTaskException("503 Service Unavailable");
            }

            Interlocked.Increment(ref _served);
            return value;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            var latency = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (_recording)
            {
                _latenciesMs.Add(latency);
            }
        }
    }

    /// <summary>The given percentile (0 to 100) of the calls' latencies so far, in milliseconds; 0 before any call.</summary>
    public double LatencyPercentileMs(double percentile)
    {
        lock (_recording)
        {
            if (_latenciesMs.Count == 0)
            {
                return 0;
            }

            var sorted = _latenciesMs.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }
}
