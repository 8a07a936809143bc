using System.Diagnostics;
using Actors.Orchestration;
using Akka.Actor;

namespace Actors.Benchmarks;

/// <summary>
/// The quick orchestration suite. Ordered start-up: 1,000 no-op components, each depending on up to three earlier ones,
/// started by <see cref="Startup.RunAsync"/> with a limit of 4, against the same components awaited one by one in a
/// dependency order computed beforehand (what a hand-written start-up does, with no concurrency, timeouts or retries).
/// </summary>
internal static class OrchestrationQuick
{
    private const int Components = 1_000;
    private const int Rounds = 7;

    public static async Task RunAsync(Figures figures)
    {
        var components = Dag(new Random(42));
        var order = TopologicalOrder(components);
        var (baseline, startup) = await BenchSystems.InFreshSystem(async system =>
        {
            await Startup.RunAsync(system, components); // warm-up
            var sequential = new List<double>();
            var grouped = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                sequential.Add(await PerNodeUsAsync(async () =>
                {
                    foreach (var component in order)
                    {
                        await component.Start(CancellationToken.None);
                    }
                }));
                grouped.Add(await PerNodeUsAsync(() => Startup.RunAsync(system, components, new StartupOptions(Concurrency: 4))));
            }

            return (Median(sequential), Median(grouped));
        });

        figures.Report("baseline.startup.sequential.per_node_us", baseline, "us");
        figures.Report("orchestration.startup.per_node_us", startup, "us");
        figures.Goal("orchestration.startup.per_node_us", startup, "<= 50", startup <= 50);
        await OrchestrationFlowsQuick.RunAsync(figures);
        await OrchestrationPoliciesQuick.RunAsync(figures);
    }

    private static async Task<double> PerNodeUsAsync(Func<Task> run)
    {
        var clock = Stopwatch.StartNew();
        await run();
        return clock.Elapsed.TotalMicroseconds / Components;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static List<StartupComponent> Dag(Random random) => Enumerable.Range(0, Components)
        .Select(i => new StartupComponent($"c{i}", static _ => Task.CompletedTask,
            i == 0 ? [] : Enumerable.Range(0, random.Next(4)).Select(_ => $"c{random.Next(i)}").Distinct().ToList(), Priority: random.Next(3)))
        .OrderBy(_ => random.Next())
        .ToList();

    private static List<StartupComponent> TopologicalOrder(List<StartupComponent> components)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<StartupComponent>();
        while (order.Count < components.Count)
        {
            foreach (var component in components.Where(c => !done.Contains(c.Name) && c.DependsOn!.All(done.Contains)).ToList())
            {
                done.Add(component.Name);
                order.Add(component);
            }
        }

        return order;
    }
}
