using Actors.Compute;
using Akka.Configuration;
using CsCheck;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

/// <summary>
/// Random runs (modes, unit sizes, failures, retries, unit and run cancellations) on a small pool: every
/// unit ends exactly once in a status its behaviour allows, every run ends with the outcome its mode
/// promises, and the pool keeps serving.
/// </summary>
public sealed class WorkloadProperties(ITestOutputHelper output) : ComputeSpec(output, ConfigurationFactory.ParseString("akka.loglevel = ERROR"))
{
    /// <summary>0 succeeds, 1 always throws, 2 throws on its first attempt only (retried once), 3 cancels itself while it runs.</summary>
    private static readonly Gen<int[]> Behaviours = Gen.Frequency((6, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3))).Array[0, 120];

    private static readonly Gen<(int[] Behaviours, WorkRunMode Mode, int Spin, int CancelAfter)> Workload =
        Gen.Select(Behaviours, Gen.Enum<WorkRunMode>(), Gen.Int[0, 2_000], Gen.Int[-1, 60]);

    protected override int PoolSize => 3;

    [Fact]
    public async Task Every_unit_should_end_once_and_every_run_as_its_mode_promises()
    {
        await Workload.SampleAsync(async workload =>
        {
            var (behaviours, mode, spin, cancelAfter) = workload;
            using var cancellation = new CancellationTokenSource();
            var started = 0;
            var units = new WorkUnit<int>[behaviours.Length];
            units = behaviours.Select((b, i) => WorkUnit.Create((int behaviour, WorkContext ctx) =>
            {
                if (Interlocked.Increment(ref started) == cancelAfter)
                {
                    cancellation.Cancel();
                }

                Thread.SpinWait(spin);
                return behaviour switch
                {
                    1 => throw new InvalidOperationException($"unit {i}"),
                    2 when ctx.Attempt == 1 => throw new InvalidOperationException($"unit {i}, first attempt"),
                    3 => CancelledWhileRunning(units[i], ctx, i),
                    _ => i,
                };
            }, b, new WorkOptions { Retries = b == 2 ? 1 : 0 })).ToArray();
            var selfCancelling = units.Where((_, i) => behaviours[i] == 3).ToArray();

            var outcome = await Outcome(mode, units, behaviours, cancellation.Token);

            Assert.All(units, u => Assert.True(u.IsFinished, $"{u} did not finish"));
            Assert.All(selfCancelling, u => Assert.NotEqual(WorkStatus.Completed, u.Status));
            Assert.All(units.Where(u => u.Status == WorkStatus.Completed), u => Assert.Equal(Array.IndexOf(units, u), u.Result));
            Assert.All(units.Where((_, i) => behaviours[i] == 1), u => Assert.NotEqual(WorkStatus.Completed, u.Status));
            if (!cancellation.IsCancellationRequested && outcome is null)
            {
                var mayEndFailed = units.Where((_, i) => behaviours[i] is 1).ToHashSet();
                Assert.All(units.Where(u => u.Status == WorkStatus.Failed), u => Assert.Contains(u, mayEndFailed));
            }
        }, iter: 60, threads: 1);

        Assert.Equal(Enumerable.Range(0, 500), await Pool.AllAsync(WorkUnit.CreateMany(Enumerable.Range(0, 500), static n => n)));
    }

    /// <summary>Runs the units as <paramref name="mode"/> and checks what the run returned; returns the exception it ended with, if any.</summary>
    private async Task<Exception?> Outcome(WorkRunMode mode, WorkUnit<int>[] units, int[] behaviours, CancellationToken cancellationToken)
    {
        var canSucceed = behaviours.Count(b => b is 0 or 2);
        try
        {
            switch (mode)
            {
                case WorkRunMode.All:
                    Assert.Equal(Enumerable.Range(0, units.Length), await Pool.AllAsync(units, cancellationToken: cancellationToken));
                    Assert.Equal(units.Length, canSucceed);
                    break;
                case WorkRunMode.Stream:
                    var yielded = await Pool.Stream(units, cancellationToken: cancellationToken).ToListAsync(CancellationToken.None);
                    Assert.Equal(units.OrderBy(u => u.Id), yielded.OrderBy(u => u.Id));
                    break;
                case WorkRunMode.Fire:
                    await Pool.Fire(units).Completion.WaitAsync(Patience, CancellationToken.None);
                    break;
                case WorkRunMode.Race when units.Length > 0:
                    Assert.InRange(await Pool.RaceAsync(units, cancellationToken: cancellationToken), 0, units.Length - 1);
                    break;
                case WorkRunMode.Any when units.Length > 0:
                    var count = Math.Min(units.Length, 2);
                    var winners = await Pool.AnyAsync(count, units, cancellationToken: cancellationToken);
                    Assert.Equal(count, winners.Distinct().Count());
                    Assert.True(canSucceed >= count);
                    break;
            }

            return null;
        }
        catch (OperationCanceledException e)
        {
            return e;
        }
        catch (AggregateException e) when (mode is WorkRunMode.Race or WorkRunMode.Any)
        {
            Assert.True(canSucceed < Math.Min(units.Length, mode == WorkRunMode.Race ? 1 : 2) || cancellationToken.IsCancellationRequested || units.Any(u => u.Status == WorkStatus.Cancelled), e.Message);
            return e;
        }
        catch (InvalidOperationException e) when (mode == WorkRunMode.All)
        {
            Assert.Contains(units, u => u.Status == WorkStatus.Failed && ReferenceEquals(u.Error, e));
            return e;
        }
    }

    private static int CancelledWhileRunning(WorkUnit unit, WorkContext context, int index)
    {
        unit.Cancel();
        context.CancellationToken.ThrowIfCancellationRequested();
        return index;
    }
}
