using System.Diagnostics;
using System.Runtime.CompilerServices;
using Actors.Compute;
using Actors.Configuration;
using Akka.Actor;
using Akka.Routing;

namespace Actors.Benchmarks;

/// <summary>
/// The quick compute suite: the pool against <c>Parallel.For</c> / <c>Parallel.ForEach</c> on the same work,
/// in interleaved rounds of the same process.
/// </summary>
internal static class ComputeQuick
{
    /// <summary>
    /// Rounds of each side, medians compared: a round of either side reads up to a fifth slower now and then (this machine's
    /// slow spells), and with five the 1 µs ratio of the same code read 0.94–1.00 from run to run.
    /// </summary>
    private const int Rounds = 11;

    public static async Task RunAsync(Figures figures)
    {
        await BenchSystems.InFreshSystem(system => MeasureAsync(system, figures), ActorsConfig.Defaults);
    }

    private static async Task<bool> MeasureAsync(ActorSystem system, Figures figures)
    {
        var pool = ComputePool.Start(system);
        var hundred = CpuWork.Iterations(100);

        var (parallel100, pool100) = await Measure.CompareRatesAsync(Rounds, () => ParallelFor(4_000, _ => hundred), () => OnPool(pool, 4_000, _ => hundred));
        figures.Report("baseline.parallelfor.100us.rate", parallel100, "per_s");
        figures.Report("compute.100us.rate", pool100, "per_s");
        figures.Ratio("compute.vs_parallelfor.100us", pool100 / parallel100, ">= 0.95", pool100 / parallel100 >= 0.95);

        // 1% of the units (every 100th) are 100 times longer.
        Func<int, int> skewed = i => i % 100 == 99 ? hundred * 100 : hundred;
        var (parallelSkewed, poolSkewed) = await Measure.CompareRatesAsync(Rounds, () => ParallelForEach(2_000, skewed), () => OnPool(pool, 2_000, skewed));
        figures.Report("baseline.parallelforeach.skewed.rate", parallelSkewed, "per_s");
        figures.Report("compute.skewed.rate", poolSkewed, "per_s");
        figures.Ratio("compute.vs_parallelfor.skewed", poolSkewed / parallelSkewed, ">= 0.85", poolSkewed / parallelSkewed >= 0.85);

        // What pushing each unit to the next routee would do: long units build a backlog behind them.
        var (pushed, pulled) = await Measure.CompareRatesAsync(Rounds, () => PushedToRoutees(system, pool.PoolSize, 2_000, skewed), () => OnPool(pool, 2_000, skewed));
        figures.Report("baseline.roundrobin_push.skewed.rate", pushed, "per_s");
        figures.Report("compute.vs_roundrobin_push.skewed", pulled / pushed, "ratio");

        // Fine-grained work over a range, as Parallel.For takes it: ForAsync (an index body, run in slices) against
        // Parallel.For; then the same work as one unit object per element, which the caller makes and the run checks.
        var one = CpuWork.Iterations(1);
        var (parallel1, pool1) = await Measure.CompareRatesAsync(Rounds, () => ParallelFor(200_000, _ => one), () => ForOnPool(pool, 200_000, _ => one));
        figures.Report("baseline.parallelfor.1us.rate", parallel1, "per_s");
        figures.Report("compute.1us.rate", pool1, "per_s");
        figures.Ratio("compute.vs_parallelfor.1us", pool1 / parallel1, ">= 0.95", pool1 / parallel1 >= 0.95);

        var (parallelUnits1, units1) = await Measure.CompareRatesAsync(Rounds, () => ParallelFor(200_000, _ => one), () => OnPool(pool, 200_000, _ => one));
        figures.Report("compute.units.1us.rate", units1, "per_s");
        figures.Report("compute.units.vs_parallelfor.1us", units1 / parallelUnits1, "ratio");

        var (sequential100, pooled100) = await Measure.CompareRatesAsync(Rounds, () => Sequential(1_000, hundred), () => OnPool(pool, 1_000, _ => hundred));
        figures.Report("baseline.sequential.100us.rate", sequential100, "per_s");
        figures.Report("compute.speedup.100us", pooled100 / sequential100, "x");
        figures.Report("compute.workers", pool.PoolSize, "count");

        var empty = await Measure.MedianRateAsync(Rounds, () => OnPool(pool, 200_000, _ => 0));
        figures.Report("compute.overhead_us", pool.PoolSize * 1e6 / empty, "us");
        return true;
    }

    private static async Task<int> PushedToRoutees(ActorSystem system, int routees, int count, Func<int, int> iterations)
    {
        var left = count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = system.ActorOf(Props.Create(() => new PushedWorkRoutee(() => Interlocked.Decrement(ref left), done))
            .WithDispatcher(ComputeSettings.DispatcherId).WithRouter(new RoundRobinPool(routees)));
        for (var i = 0; i < count; i++)
        {
            pool.Tell(iterations(i));
        }

        await done.Task;
        system.Stop(pool);
        return count;
    }

    private static Task<int> ParallelFor(int count, Func<int, int> iterations)
    {
        var results = new long[count];
        Parallel.For(0, count, i => results[i] = CpuWork.Spin(iterations(i)));
        return Task.FromResult(count);
    }

    private static Task<int> ParallelForEach(int count, Func<int, int> iterations)
    {
        var results = new long[count];
        Parallel.ForEach(Enumerable.Range(0, count).ToArray(), i => results[i] = CpuWork.Spin(iterations(i)));
        return Task.FromResult(count);
    }

    private static Task<int> Sequential(int count, int iterations)
    {
        var results = new long[count];
        for (var i = 0; i < count; i++)
        {
            results[i] = CpuWork.Spin(iterations);
        }

        return Task.FromResult(count);
    }

    private static async Task<int> ForOnPool(IComputePool pool, int count, Func<int, int> iterations)
    {
        var results = await pool.ForAsync(count, i => CpuWork.Spin(iterations(i)));
        Debug.Assert(results.Length == count);
        return count;
    }

    private static async Task<int> OnPool(IComputePool pool, int count, Func<int, int> iterations)
    {
        var results = await pool.AllAsync(Units(count, iterations));
        Debug.Assert(results.Length == count);
        return count;
    }

    /// <summary>
    /// The caller's loop that makes the units, optimised as a warmed-up caller's would be: called a few times here, it would
    /// otherwise run unoptimised (tiered compilation), while Parallel.For's body is called thousands of times and is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static WorkUnit<long>[] Units(int count, Func<int, int> iterations)
    {
        var units = new WorkUnit<long>[count];
        for (var i = 0; i < count; i++)
        {
            units[i] = WorkUnit.Create(static n => CpuWork.Spin(n), iterations(i));
        }

        return units;
    }
}
