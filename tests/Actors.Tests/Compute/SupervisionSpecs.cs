using System.Collections.Concurrent;
using Actors.Compute;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class SupervisionSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public async Task A_throwing_unit_should_fail_alone_restart_only_its_worker_and_leave_the_pool_serving()
    {
        var before = await IncarnationsOfEveryWorker();
        var crashedOn = new ConcurrentBag<string>();
        var throwing = WorkUnit.Create<int, int>((_, ctx) =>
        {
            crashedOn.Add(ctx.WorkerName);
            throw new InvalidDataException("corrupt input");
        }, 0);

        var settled = await EventFilter.Warning(contains: "the worker restarts").ExpectOneAsync(() => Pool.AllSettledAsync([throwing]));
        var after = await IncarnationsOfEveryWorker();
        var next = await Pool.AllSettledAsync(WorkUnit.CreateMany(Enumerable.Range(0, 1_000), static n => n + 1));

        Assert.Equal(WorkStatus.Failed, settled[0].Status);
        Assert.IsType<InvalidDataException>(settled[0].Error);
        var crashed = Assert.Single(crashedOn);
        Assert.NotEqual(before[crashed], after[crashed]);
        Assert.All(before.Keys.Where(name => name != crashed), name => Assert.Equal(before[name], after[name]));
        Assert.All(next, u => Assert.Equal(WorkStatus.Completed, u.Status));
        Assert.Equal(Enumerable.Range(1, 1_000), next.Select(u => u.Result));

        var status = await Pool.GetStatusAsync();
        Assert.Equal(PoolSize, status.Workers.Count);
        Assert.Equal(1, status.Workers.Single(w => w.Name == crashed).Restarts);
        Assert.All(status.Workers.Where(w => w.Name != crashed), w => Assert.Equal(0, w.Restarts));
    }

    [Fact]
    public async Task Units_claimed_by_a_crashing_worker_should_still_run()
    {
        // Fine-grained units are claimed in batches: a crash mid-batch gives the rest back.
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 5_000), static n => n % 1_000 == 999 ? throw new InvalidOperationException($"unit {n}") : n);

        var settled = await Pool.AllSettledAsync(units);

        Assert.Equal(5, settled.Count(u => u.Status == WorkStatus.Failed));
        Assert.Equal(4_995, settled.Count(u => u.Status == WorkStatus.Completed));
        Assert.All(settled, u => Assert.Equal(1, u.Attempts));
    }

    /// <summary>Each worker's name and incarnation, seen from units that run on every worker at once.</summary>
    private async Task<Dictionary<string, long>> IncarnationsOfEveryWorker()
    {
        using var everyWorker = new Barrier(PoolSize);
        var units = Enumerable.Range(0, PoolSize).Select(_ => WorkUnit.Create((Barrier barrier, WorkContext ctx) =>
            barrier.SignalAndWait(Patience) ? (ctx.WorkerName, ctx.WorkerIncarnation) : throw new TimeoutException("the workers did not all run at once"), everyWorker));
        var seen = await Pool.AllAsync(units);
        return seen.ToDictionary(w => w.WorkerName, w => w.WorkerIncarnation);
    }
}
