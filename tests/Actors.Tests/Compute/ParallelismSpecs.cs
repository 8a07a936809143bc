using System.Collections.Concurrent;
using System.Diagnostics;
using Actors.Compute;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class ParallelismSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public async Task Units_should_run_at_the_same_time_on_as_many_threads_as_there_are_workers_none_from_the_thread_pool()
    {
        using var allStarted = new Barrier(PoolSize);
        var units = Enumerable.Range(0, PoolSize).Select(_ => WorkUnit.Create(static (Barrier barrier) =>
        {
            var began = Stopwatch.GetTimestamp();
            var met = barrier.SignalAndWait(Patience);
            return new Interval(Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, began, Stopwatch.GetTimestamp(), met);
        }, allStarted)).ToArray();

        var intervals = await Pool.AllAsync(units);

        Assert.All(intervals, i => Assert.True(i.MetTheOthers));
        Assert.Equal(PoolSize, intervals.Select(i => i.Thread).Distinct().Count());
        Assert.True(intervals.Max(i => i.Began) < intervals.Min(i => i.Ended), "every interval overlaps every other");
        Assert.All(intervals, i => Assert.False(i.OnThreadPool));
    }

    [Fact]
    public async Task A_long_unit_should_not_hold_back_the_short_units_claimed_with_it()
    {
        // By unit 500 the workers have measured the short units and claim them in large batches, so the
        // long one shares its batch with short ones; they must not wait for it.
        using var longUnitMayEnd = new ManualResetEventSlim();
        var shortDone = 0;
        var units = Enumerable.Range(0, 1_001).Select(n => WorkUnit.Create((int x) =>
        {
            if (x == 500)
            {
                return longUnitMayEnd.Wait(Patience) ? x : -1;
            }

            Interlocked.Increment(ref shortDone);
            return x;
        }, n)).ToArray();

        var run = Pool.AllAsync(units);

        await AwaitAssertAsync(() => Assert.Equal(1_000, Volatile.Read(ref shortDone)), Patience);
        Assert.Equal(WorkStatus.Running, units[500].Status);
        longUnitMayEnd.Set();
        Assert.Equal(Enumerable.Range(0, 1_001), await run);
    }

    [Fact]
    public async Task Concurrent_runs_should_share_the_workers()
    {
        using var release = new ManualResetEventSlim();
        var first = Pool.AllAsync(Enumerable.Range(0, 1_000).Select(n => WorkUnit.Create(static (ManualResetEventSlim gate) => gate.Wait(Patience), release)));

        // The first run holds every worker; the second still progresses once they are freed, and neither loses a unit.
        var second = Pool.AllAsync(WorkUnit.CreateMany(Enumerable.Range(0, 1_000), static n => n));
        release.Set();

        Assert.All(await first, Assert.True);
        Assert.Equal(Enumerable.Range(0, 1_000), await second);
    }

    [Fact]
    public async Task The_pool_should_have_one_worker_per_core_by_default()
    {
        var pool = ComputePool.Start(Sys);

        Assert.Equal(Environment.ProcessorCount, pool.PoolSize);
        await AwaitAssertAsync(async () => Assert.Equal(Environment.ProcessorCount, (await pool.GetStatusAsync()).Workers.Count));
    }

    private sealed record Interval(int Thread, bool OnThreadPool, long Began, long Ended, bool MetTheOthers);
}
