using System.Collections.Concurrent;
using Actors.Compute;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class CancellationSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public async Task Cancelling_a_run_should_start_no_unit_afterwards_and_fire_the_running_units_tokens()
    {
        var started = new ConcurrentBag<int>();
        var sawToken = new ConcurrentBag<int>();
        var units = Enumerable.Range(0, 100).Select(n => WorkUnit.Create((int x, WorkContext ctx) =>
        {
            started.Add(x);
            if (WaitForCancellation(ctx))
            {
                sawToken.Add(x);
            }

            return x;
        }, n)).ToArray();
        using var cancellation = new CancellationTokenSource();

        var run = Pool.AllAsync(units, cancellationToken: cancellation.Token);
        await AwaitAssertAsync(() => Assert.Equal(PoolSize, started.Count));
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.Equal(PoolSize, started.Count);
        Assert.Equal(started.Order(), sawToken.Order());
        Assert.All(units, u => Assert.Equal(WorkStatus.Cancelled, u.Status));
        Assert.Equal(100 - PoolSize, units.Count(u => u.Attempts == 0));
    }

    [Fact]
    public async Task Cancelling_one_unit_should_cancel_it_alone()
    {
        using var started = new ManualResetEventSlim();
        var blocked = WorkUnit.Create((int x, WorkContext ctx) =>
        {
            started.Set();
            ctx.CancellationToken.WaitHandle.WaitOne(Patience);
            ctx.CancellationToken.ThrowIfCancellationRequested();
            return x;
        }, 1);
        var units = new[] { WorkUnit.Create(static (int x) => x, 0), blocked, WorkUnit.Create(static (int x) => x, 2) };

        var settled = Pool.AllSettledAsync(units);
        Assert.True(started.Wait(Patience));
        blocked.Cancel();

        Assert.Equal([WorkStatus.Completed, WorkStatus.Cancelled, WorkStatus.Completed], (await settled).Select(u => u.Status));
        Assert.IsAssignableFrom<OperationCanceledException>(blocked.Error);
    }

    [Fact]
    public void A_unit_cancelled_before_it_starts_should_never_run()
    {
        var ran = 0;
        var unit = WorkUnit.Create((int x) => Interlocked.Increment(ref ran), 0);
        unit.Cancel();

        Assert.Equal(WorkStatus.Cancelled, unit.Status);
        Assert.Contains("cancelled before it was given to a run", Assert.Throws<ArgumentException>(() => { _ = Pool.AllAsync([unit]); }).Message);
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task Stopping_a_stream_early_should_cancel_the_units_not_yet_finished()
    {
        var units = Enumerable.Range(0, 50).Select(n => WorkUnit.Create(static (int x, WorkContext ctx) => x == 0 ? x : WaitForCancellation(ctx) ? -1 : x, n)).ToArray();

        await foreach (var first in Pool.Stream(units))
        {
            Assert.Equal(0, first.Result);
            break;
        }

        await units[1].Run!.Completion.WaitAsync(Patience);
        Assert.All(units.Skip(1), u => Assert.Equal(WorkStatus.Cancelled, u.Status));
    }

    [Fact]
    public async Task A_failing_unit_should_be_retried_until_it_succeeds_or_its_retries_run_out()
    {
        var recovers = WorkUnit.Create(static (int failures, WorkContext ctx) => ctx.Attempt <= failures ? throw new IOException($"attempt {ctx.Attempt}") : ctx.Attempt, 2, new WorkOptions { Retries = 2 });
        var givesUp = WorkUnit.Create(static (int failures, WorkContext ctx) => ctx.Attempt <= failures ? throw new IOException($"attempt {ctx.Attempt}") : ctx.Attempt, 5, new WorkOptions { Retries = 1 });

        var settled = await Pool.AllSettledAsync([recovers, givesUp]);

        Assert.Equal(3, settled[0].Result);
        Assert.Equal(WorkStatus.Failed, settled[1].Status);
        Assert.Equal(2, settled[1].Attempts);
        Assert.Equal("attempt 2", settled[1].Error!.Message);
    }
}
