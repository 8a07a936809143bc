using System.Collections.Concurrent;
using Actors.Compute;
using CsCheck;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

/// <summary><see cref="IComputePool.ForAsync{TResult}"/>: the pool's Parallel.For, an index body run in slices.</summary>
public sealed class IndexRunSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public async Task Every_index_should_be_computed_once_and_its_result_kept_at_its_index()
    {
        var pool = Pool;
        await Gen.Int[0, 5_000].SampleAsync(async count =>
        {
            var calls = new int[count];

            var results = await pool.ForAsync(count, i =>
            {
                Interlocked.Increment(ref calls[i]);
                return (long)i * i;
            });

            Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i * i), results);
            Assert.All(calls, c => Assert.Equal(1, c));
        }, iter: 40);
    }

    [Fact]
    public async Task Work_over_many_indexes_should_use_every_worker()
    {
        var threads = new ConcurrentDictionary<int, byte>();
        using var allRunning = new CountdownEvent(PoolSize);

        await Pool.ForAsync(PoolSize * 1_000, i =>
        {
            if (threads.TryAdd(Environment.CurrentManagedThreadId, 0))
            {
                // Each worker waits here until all of them have started: it passes only if they run at once.
                allRunning.Signal();
                Assert.True(allRunning.Wait(Patience));
            }

            return i;
        });

        Assert.Equal(PoolSize, threads.Count);
    }

    [Fact]
    public async Task The_first_exception_should_fail_the_call_with_it_and_stop_the_rest()
    {
        var ran = 0;
        using var allStarted = new CountdownEvent(PoolSize);
        using var gate = new ManualResetEventSlim();

        // Each worker takes a slice and blocks in its first index; index 0 (the first slice's) throws once all have started.
        var call = Pool.ForAsync(100_000, i =>
        {
            if (Interlocked.Increment(ref ran) <= PoolSize)
            {
                allStarted.Signal();
            }

            if (i == 0)
            {
                Assert.True(allStarted.Wait(Patience));
                throw new InvalidOperationException("index 0 is bad");
            }

            gate.Wait(Patience);
            return i;
        });

        // The worker that ran index 0 is restarted once it has settled the run: then let the others go on.
        await AwaitAssertAsync(async () => Assert.Equal(1, (await Pool.GetStatusAsync()).Workers.Sum(w => w.Restarts)));
        gate.Set();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call);
        Assert.Equal("index 0 is bad", error.Message);
        Assert.Equal(PoolSize, ran);
        Assert.Equal(new[] { 0, 1, 2 }, await Pool.ForAsync(3, static i => i));
    }

    [Fact]
    public async Task Cancelling_should_stop_every_slice_at_its_next_index()
    {
        var ran = new ConcurrentBag<int>();
        using var gate = new ManualResetEventSlim();
        using var cancellation = new CancellationTokenSource();

        var call = Pool.ForAsync(100_000, i =>
        {
            ran.Add(i);
            gate.Wait(Patience);
            return i;
        }, cancellationToken: cancellation.Token);
        await AwaitAssertAsync(() => Assert.Equal(PoolSize, ran.Count));
        await cancellation.CancelAsync();
        gate.Set();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.Equal(PoolSize, ran.Count);
    }

    [Fact]
    public void Bad_arguments_should_be_refused_at_once()
    {
        var total = 0;

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Pool.ForAsync(-1, static i => i); });
        Assert.Throws<ArgumentNullException>(() => { _ = Pool.ForAsync<int>(10, null!); });
        var impure = Assert.Throws<ImpureWorkException>(() => { _ = Pool.ForAsync(10, i => total += i, new WorkRunOptions { Strict = true }); });
        Assert.Contains("captures the variable 'total'", impure.Message);
    }
}
