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
    /// The sender, a thread of its own, sleeps between due times and then starts every operation that has come due: it
    /// never spins, which on a 2-core machine would take a core from the system it measures. It sleeps with
    /// <see cref="Thread.Sleep(int)"/>: <c>Task.Delay</c> returns at once for less than a millisecond (so a sender built on
    /// it spun on a core at 1,000 a second, whatever its comment said) and here takes 4 ms to wake from a 1 ms delay.
    /// </remarks>
    public static async Task<(double P50, double P99)> OpenLoopLatencyAsync(int count, int perSecond, Func<Task> operation)
    {
        var latencies = new double[count];
        var pending = new Task[count];
        var start = Stopwatch.GetTimestamp();
        long Due(int i) => start + (long)(i * (double)Stopwatch.Frequency / perSecond);
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            for (var i = 0; i < count;)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Due(i));
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(Math.Max(1, (int)wait.TotalMilliseconds));
                }

                for (var now = Stopwatch.GetTimestamp(); i < count && Due(i) <= now; i++)
                {
                    pending[i] = Timed(i, Due(i));
                }
            }

            sent.SetResult();
        }) { IsBackground = true, Name = "open-loop sender" };
        sender.Start();
        await sent.Task;
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

    public static void FullGc()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
