using System.Collections.Immutable;
using Actors.Thunks;
using Akka.Actor;
using CsCheck;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

/// <summary>
/// Random concurrent workloads: several sources run thunk trees (with children) and bursts of plain
/// actions at once, through real processors. The store's applied log must keep every guarantee.
/// </summary>
public sealed class InterleavingProperties(ITestOutputHelper output) : ThunkSpec(output, "akka.loglevel = WARNING")
{
    /// <summary>One step of a source: a tree (children, actions per thunk) or a plain burst; yields between actions.</summary>
    private static readonly Gen<(bool Tree, int Children, int Actions, int Yields)> Step =
        Gen.Select(Gen.Bool, Gen.Int[0, 3], Gen.Int[1, 3], Gen.Int[0, 2]);

    private static readonly Gen<(bool Tree, int Children, int Actions, int Yields)[][]> Workload = Step.Array[1, 4].Array[2, 4];

    [Fact]
    public async Task Trees_never_interleave_keep_their_order_and_every_action_applies_exactly_once()
    {
        await Workload.SampleAsync(async sources =>
        {
            StartCoordinator();
            var settings = ThunkSettings.Create(Sys);
            var expected = await Task.WhenAll(sources.Select((steps, s) => RunSourceAsync($"s{s}", steps, new ThunkProcessor(Coordinator, Store, Sys.ActorOf(ThunkClientActor.Props()), settings))));
            await Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance);
            var log = (await Store.Ask<StoreStateChanged<ImmutableList<object>>>(GetStoreState.Instance)).State.Cast<Act>().ToList();

            AssertGuarantees(log, expected.Sum());
        }, iter: 40, threads: 1);
    }

    private static async Task<int> RunSourceAsync(string source, (bool Tree, int Children, int Actions, int Yields)[] steps, ThunkProcessor processor)
    {
        var dispatched = 0;
        for (var step = 0; step < steps.Length; step++)
        {
            var (tree, children, actions, yields) = steps[step];
            var lane = $"{source}/{step}";
            if (!tree)
            {
                for (var i = 0; i < actions; i++)
                {
                    processor.Coordinator.Tell(new DispatchThunkAction(new Act($"{source}/plain", dispatched++, IsTree: false)));
                }

                continue;
            }

            var sequence = 0;
            await processor.RunAsync(async root =>
            {
                await DispatchAsync(root, lane, actions, yields, () => sequence++);
                for (var c = 0; c < children; c++)
                {
                    await root.RunChildAsync(child => DispatchAsync(child, lane, actions, yields, () => sequence++));
                }

                await DispatchAsync(root, lane, 1, 0, () => sequence++);
            });
            dispatched += sequence;
        }

        return dispatched;
    }

    private static async Task DispatchAsync(IThunkContext thunk, string lane, int actions, int yields, Func<int> next)
    {
        for (var i = 0; i < actions; i++)
        {
            thunk.Dispatch(new Act(lane, next(), IsTree: true));
            for (var y = 0; y < yields; y++)
            {
                await Task.Yield();
            }
        }
    }

    private static void AssertGuarantees(List<Act> log, int dispatched)
    {
        Assert.Equal(dispatched, log.Count);
        Assert.Equal(log.Count, log.Distinct().Count());
        foreach (var lane in log.GroupBy(a => a.Lane))
        {
            var sequences = lane.Select(a => a.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
            if (lane.First().IsTree)
            {
                // Between a tree's first and last applied action, nothing else applied: no other tree, no plain action.
                var first = log.IndexOf(lane.First());
                var last = log.IndexOf(lane.Last());
                Assert.True(log.Skip(first).Take(last - first + 1).All(a => a.Lane == lane.Key), $"something interleaved with tree {lane.Key}");
            }
        }
    }

    /// <summary>An applied action: its lane (a tree, or a source's plain actions) and its place in that lane.</summary>
    private sealed record Act(string Lane, int Sequence, bool IsTree);
}
