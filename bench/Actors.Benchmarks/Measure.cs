using System.Diagnostics;

namespace Actors.Benchmarks;

/// <summary>Small timing and memory helpers for the quick mode.</summary>
internal static class Measure
{
    /// <summary>
    /// Measures a baseline and a subject in alternating rounds, after <paramref name="warmUps"/> warm-up rounds of each, so both
    /// see the same JIT state and machine load. Each round returns how many operations it did; the
    /// result is the median rate of each, in operations per second.
    /// </summary>
    public static async Task<(double Baseline, double Subject)> CompareRatesAsync(int rounds, Func<Task<int>> baseline, Func<Task<int>> subject, int warmUps = 1)
    {
        for (var i = 0; i < warmUps; i++)
        {
            await baseline();
            await subject();
        }

        var baselineRates = new List<double>(rounds);
        var subjectRates = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            baselineRates.Add(await RateAsync(baseline));
            subjectRates.Add(await RateAsync(subject));
        }

        return (Median(baselineRates), Median(subjectRates));
    }

    /// <summary>Measures one rate alone: warm-up, then the median of <paramref name="rounds"/>.</summary>
    public static async Task<double> MedianRateAsync(int rounds, Func<Task<int>> round)
    {
        await round();
        var rates = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            rates.Add(await RateAsync(round));
        }

        return Median(rates);
    }

    /// <summary>
    /// Latency at a fixed rate, open loop: operation i is started at its due time whether or not earlier
    /// ones have finished, and timed from that due time (so a late start counts against it, never for it).
    /// Returns the median and 99th percentile, in milliseconds.
    /// </summary>
    /// <remarks>
    /// The sender is <see cref="Pacing"/>'s, a thread that sleeps between due times and never spins, in whole milliseconds: the
    /// HTTP and durable figures have been measured so since step 8. A microsecond sender read their p50 half as high (this one's
    /// lateness counts against it) but the durable p99 higher (2.75–4.18 against 3.12–3.30 ms in alternating runs, not
    /// explained), docs/performance.md.
    /// </remarks>
    public static async Task<(double P50, double P99)> OpenLoopLatencyAsync(int count, int perSecond, Func<Task> operation)
    {
        var latencies = new double[count];
        var pending = new Task[count];
        await Pacing.RunAsync(count, perSecond, (i, due) => pending[i] = Timed(i, due), precise: false);
        await Task.WhenAll(pending);
        Array.Sort(latencies);
        return (latencies[count / 2], latencies[(int)(count * 0.99)]);

        async Task Timed(int index, long due)
        {
            await operation();
            latencies[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
        }
    }

    /// <summary>Time spent in the current round that is not the operations' (an actor system starting or terminating).</summary>
    private static TimeSpan s_excluded;

    /// <summary>Leaves <paramref name="elapsed"/> out of the current round's time: it was setup, not work (rounds run one at a time).</summary>
    public static void Exclude(TimeSpan elapsed) => s_excluded += elapsed;

    private static async Task<double> RateAsync(Func<Task<int>> round)
    {
        FullGc();
        s_excluded = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        var operations = await round();
        return operations / (watch.Elapsed - s_excluded).TotalSeconds;
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>
    /// Rounds of a baseline and a subject that each time themselves (and return a rate), taking turns so both see the
    /// same machine, each after a full collection (neither pays for the other's garbage); the median of each. The round's
    /// number is passed (for a fresh file per round, say).
    /// </summary>
    public static async Task<(double Baseline, double Subject)> CompareSelfTimedAsync(int rounds, Func<int, Task<double>> baseline, Func<int, Task<double>> subject)
    {
        var (baselineRates, subjectRates) = (new List<double>(rounds), new List<double>(rounds));
        for (var round = 0; round < rounds; round++)
        {
            FullGc();
            baselineRates.Add(await baseline(round));
            FullGc();
            subjectRates.Add(await subject(round));
        }

        return (Median(baselineRates), Median(subjectRates));
    }

    /// <summary>Retained bytes per item: heap after creating <paramref name="count"/> items, less the heap before.</summary>
    public static async Task<double> RetainedBytesPerItemAsync(int count, Func<int, Task<object>> create)
    {
        FullGc();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var items = await create(count);
        FullGc();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(items);
        return (after - before) / (double)count;
    }

    /// <summary>
    /// Waits until the JIT has compiled nothing for 200 ms (at most 3 s). Tiered compilation recompiles hot methods on a
    /// thread of its own, which on 2 cores takes the one a measured system needs (perf: 1–2.5 ms at a time).
    /// </summary>
    public static async Task JitSettledAsync()
    {
        var deadline = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        var (compiled, quietSince) = (System.Runtime.JitInfo.GetCompiledMethodCount(), Stopwatch.GetTimestamp());
        while (Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromMilliseconds(200) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                (compiled, quietSince) = (now, Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>A full, blocking, compacting collection, finalizers run, and another.</summary>
    public static void FullGc()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
