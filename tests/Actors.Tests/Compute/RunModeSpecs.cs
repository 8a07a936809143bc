using System.Collections.Concurrent;
using Actors.Compute;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class RunModeSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public async Task All_should_return_results_in_input_order_whatever_order_units_finish_in()
    {
        // Earlier units spin longer, so they tend to finish after later ones.
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 200), static n =>
        {
            Thread.SpinWait((200 - n) * 50);
            return n * n;
        });

        var results = await Pool.AllAsync(units);

        Assert.Equal(Enumerable.Range(0, 200).Select(n => n * n), results);
        Assert.All(units, u => Assert.Equal(WorkStatus.Completed, u.Status));
    }

    [Fact]
    public async Task A_units_progress_should_be_on_the_task_scale_of_0_to_100()
    {
        var unit = WorkUnit.Create(static (int x, WorkContext ctx) =>
        {
            ctx.ReportProgress(40);
            return x;
        }, 1);
        var clamped = WorkUnit.Create<int, int>(static (int x, WorkContext ctx) =>
        {
            ctx.ReportProgress(250);
            throw new InvalidOperationException("stops before completing");
        }, 2);

        await Pool.AllSettledAsync([unit, clamped]);

        Assert.Equal(100, unit.Progress);
        Assert.Equal(100, clamped.Progress);
    }

    [Fact]
    public async Task All_should_fail_with_the_failing_units_error_and_cancel_the_other_units()
    {
        var units = new[] { WorkUnit.Create<int, int>(static _ => throw new InvalidOperationException("unit 0 broke"), 0) }
            .Concat(Enumerable.Range(1, 20).Select(n => WorkUnit.Create(static (int x, WorkContext ctx) => WaitForCancellation(ctx) ? -1 : x, n)))
            .ToArray();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Pool.AllAsync(units));

        Assert.Equal("unit 0 broke", error.Message);
        Assert.Equal(WorkStatus.Failed, units[0].Status);
        Assert.All(units.Skip(1), u => Assert.Equal(WorkStatus.Cancelled, u.Status));
    }

    [Fact]
    public async Task AllSettled_should_let_every_unit_finish_and_return_each_outcome()
    {
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 10), static n => n is 3 or 7 ? throw new ArithmeticException($"bad {n}") : n);

        var settled = await Pool.AllSettledAsync(units);

        Assert.Equal(units, settled);
        Assert.Equal([0, 1, 2, 4, 5, 6, 8, 9], settled.Where(u => u.Status == WorkStatus.Completed).Select(u => u.Result));
        Assert.Equal(["bad 3", "bad 7"], settled.Where(u => u.Status == WorkStatus.Failed).Select(u => u.Error!.Message));
        Assert.IsType<WorkUnitFailedException>(Assert.Throws<WorkUnitFailedException>(() => settled[3].Result));
    }

    [Fact]
    public async Task Stream_should_yield_units_in_the_order_they_finish()
    {
        var gates = Enumerable.Range(0, 3).Select(_ => new ManualResetEventSlim()).ToArray();
        var units = Enumerable.Range(0, 3).Select(i => WorkUnit.Create(static (ManualResetEventSlim gate, WorkContext ctx) => gate.Wait(Patience, ctx.CancellationToken), gates[i])).ToArray();
        var releaseOrder = new[] { 2, 0, 1 };
        var yielded = new List<int>();

        gates[releaseOrder[0]].Set();
        await foreach (var unit in Pool.Stream(units))
        {
            yielded.Add(Array.IndexOf(units, unit));
            Assert.True(unit.Result);
            if (yielded.Count < 3)
            {
                gates[releaseOrder[yielded.Count]].Set();
            }
        }

        Assert.Equal(releaseOrder, yielded);
    }

    [Fact]
    public async Task Race_should_return_the_first_success_and_cancel_the_losers()
    {
        using var losersStarted = new CountdownEvent(3);
        var tokensFired = new ConcurrentBag<int>();
        var losers = Enumerable.Range(1, 3).Select(n => WorkUnit.Create((int x, WorkContext ctx) =>
        {
            losersStarted.Signal();
            if (WaitForCancellation(ctx))
            {
                tokensFired.Add(x);
            }

            ctx.CancellationToken.ThrowIfCancellationRequested();
            return x;
        }, n));
        var winner = WorkUnit.Create((int x) => losersStarted.Wait(Patience) ? x : -1, 42);
        var units = losers.Append(winner).ToArray();

        var result = await Pool.RaceAsync(units);

        Assert.Equal(42, result);
        Assert.Equal([1, 2, 3], tokensFired.Order());
        Assert.All(units.Take(3), u => Assert.Equal(WorkStatus.Cancelled, u.Status));
    }

    [Fact]
    public async Task Any_should_return_the_first_n_successes_and_cancel_the_rest()
    {
        using var losersStarted = new CountdownEvent(2);
        var winners = Enumerable.Range(100, 2).Select(n => WorkUnit.Create((int x) => losersStarted.Wait(Patience) ? x : -1, n));
        var losers = Enumerable.Range(0, 4).Select(n => WorkUnit.Create((int x, WorkContext ctx) =>
        {
            if (losersStarted.CurrentCount > 0)
            {
                losersStarted.Signal();
            }

            return WaitForCancellation(ctx) ? throw new OperationCanceledException(ctx.CancellationToken) : x;
        }, n));
        var units = winners.Concat(losers).ToArray();

        var results = await Pool.AnyAsync(2, units);

        Assert.Equal([100, 101], results.Order());
        Assert.All(units.Skip(2), u => Assert.Equal(WorkStatus.Cancelled, u.Status));
    }

    [Fact]
    public async Task Any_should_fail_once_too_many_units_have_failed_to_reach_n()
    {
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 4), static n => n == 0 ? n : throw new FormatException($"no {n}"));

        var error = await Assert.ThrowsAsync<AggregateException>(() => Pool.AnyAsync(2, units));

        Assert.Contains("needed 2 successful unit(s)", error.Message);
        Assert.Equal(3, error.InnerExceptions.Count);
    }

    [Fact]
    public async Task Fire_should_run_the_units_and_log_each_failure()
    {
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 5), static n => n == 2 ? throw new TimeZoneNotFoundException("no zone") : n);

        var run = await EventFilter.Warning(contains: "failed after 1 attempt(s): System.TimeZoneNotFoundException: no zone").ExpectOneAsync(async () =>
        {
            var fired = Pool.Fire(units);
            await fired.Completion.WaitAsync(Patience);
            return fired;
        });

        Assert.Equal(5, run.FinishedCount);
        Assert.Equal(WorkRunSettlement.Succeeded, run.Settlement);
        Assert.Equal(WorkStatus.Failed, units[2].Status);
    }

    [Fact]
    public async Task Empty_runs_should_end_at_once_and_a_race_of_none_should_be_refused()
    {
        Assert.Empty(await Pool.AllAsync(Array.Empty<WorkUnit<int>>()));
        Assert.Empty(await Pool.AllSettledAsync(Array.Empty<WorkUnit<int>>()));
        Assert.Empty(await Pool.Stream(Array.Empty<WorkUnit<int>>()).ToListAsync());
        await Pool.Fire([]).Completion.WaitAsync(Patience);

        var race = Assert.Throws<ArgumentException>(() => { _ = Pool.RaceAsync(Array.Empty<WorkUnit<int>>()); });
        Assert.Contains("at least one unit", race.Message);
    }

    [Fact]
    public void Bad_input_should_be_refused_with_an_argument_error_that_says_what_is_wrong()
    {
        var three = WorkUnit.CreateMany([1, 2, 3], static (int n) => n);

        Assert.Throws<ArgumentNullException>(() => WorkUnit.Create<int, int>((Func<int, int>)null!, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkOptions { Timeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkOptions { Retries = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkOptions { Priority = 11 });
        Assert.Throws<ArgumentNullException>(() => { _ = Pool.AllAsync<int>(null!); });
        Assert.Contains("units[1] is null", Assert.Throws<ArgumentException>(() => { _ = Pool.AllAsync([three[0], null!]); }).Message);
        Assert.Contains("from 1 to 3", Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Pool.AnyAsync(4, three); }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Pool.AnyAsync(0, three); });
        Assert.Contains("same unit as an earlier one", Assert.Throws<ArgumentException>(() => { _ = Pool.AllAsync([three[0], three[0]]); }).Message);
        Assert.All(three, u => Assert.Null(u.Run));
    }

    [Fact]
    public async Task A_unit_should_run_once_and_be_refused_by_a_second_run()
    {
        var unit = WorkUnit.Create(static (int n) => n + 1, 1);
        Assert.Equal(new[] { 2 }, await Pool.AllAsync([unit]));

        var error = Assert.Throws<ArgumentException>(() => { _ = Pool.AllAsync([unit]); });

        Assert.Contains("runs once", error.Message);
    }

    [Fact]
    public void More_urgent_units_should_be_claimed_first_within_a_run_and_equal_ones_in_input_order()
    {
        var units = Enumerable.Range(0, 12).Select(n => WorkUnit.Create(static (int x) => x, n, new WorkOptions { Priority = n % 3 == 0 ? WorkOptions.HighestPriority : WorkOptions.DefaultPriority })).ToArray();

        var run = WorkRun.Create(units, WorkRunMode.All, 0, null, ComputeSettings.Create(Sys), Sys.Log);
        var claimOrder = Enumerable.Range(0, 12).Select(run.UnitAt).Select(u => Array.IndexOf(units, u));

        Assert.Equal([0, 3, 6, 9, 1, 2, 4, 5, 7, 8, 10, 11], claimOrder);
        run.Cancel();
    }
}
