namespace Actors.Orchestration;

/// <summary>
/// Named items with dependencies, checked (names unique and non-empty, dependencies known, no cycle) and indexed: what
/// an ordered start-up and a flow both run on.
/// </summary>
internal sealed class DependencyGraph
{
    private DependencyGraph(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<string>> dependsOn, int[][] dependents, int[] dependencies)
    {
        (Names, DependsOn, Dependents, Dependencies) = (names, dependsOn, dependents, dependencies);
        Index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>For each item, the names it depends on (each once).</summary>
    public IReadOnlyList<IReadOnlyList<string>> DependsOn { get; }

    /// <summary>For each item, the indexes of those that depend on it.</summary>
    public int[][] Dependents { get; }

    /// <summary>For each item, how many items it depends on.</summary>
    public int[] Dependencies { get; }

    /// <summary>Each item's index by name.</summary>
    public IReadOnlyDictionary<string, int> Index { get; }

    /// <summary>The graph, or null and what is wrong, naming the item (as <paramref name="noun"/>, e.g. "flow node") or the cycle's members.</summary>
    public static DependencyGraph? Build(IReadOnlyList<string?> names, IReadOnlyList<IReadOnlyList<string>?> dependsOn, string noun, out string? problem)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                problem = $"{Capitalized(noun)} #{i + 1} has no name; every {noun} needs a unique one.";
                return null;
            }

            if (!index.TryAdd(names[i]!, i))
            {
                problem = $"Two {noun}s are named '{names[i]}'; names must be unique.";
                return null;
            }
        }

        var dependents = new List<int>[names.Count];
        var dependencies = new int[names.Count];
        var distinct = new IReadOnlyList<string>[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            dependents[i] = [];
        }

        for (var i = 0; i < names.Count; i++)
        {
            distinct[i] = (dependsOn[i] ?? []).Distinct(StringComparer.Ordinal).ToList();
            foreach (var dependency in distinct[i])
            {
                if (dependency is null || !index.TryGetValue(dependency, out var on))
                {
                    problem = $"{Capitalized(noun)} '{names[i]}' depends on '{dependency}', which is not a {noun}.";
                    return null;
                }

                dependents[on].Add(i);
                dependencies[i]++;
            }
        }

        var graph = new DependencyGraph(names!, distinct, dependents.Select(d => d.ToArray()).ToArray(), dependencies);
        if (graph.FindCycle() is { } cycle)
        {
            problem = $"The {noun}s' dependencies form a cycle: {string.Join(" → ", cycle)}.";
            return null;
        }

        problem = null;
        return graph;
    }

    private static string Capitalized(string noun) => char.ToUpperInvariant(noun[0]) + noun[1..];

    /// <summary>The names along one dependency cycle (its first name repeated at the end), or null (Kahn's algorithm, then a walk among what is left).</summary>
    private List<string>? FindCycle()
    {
        var waiting = (int[])Dependencies.Clone();
        var free = new Queue<int>(Enumerable.Range(0, waiting.Length).Where(i => waiting[i] == 0));
        var done = 0;
        while (free.TryDequeue(out var next))
        {
            done++;
            foreach (var dependent in Dependents[next])
            {
                if (--waiting[dependent] == 0)
                {
                    free.Enqueue(dependent);
                }
            }
        }

        if (done == waiting.Length)
        {
            return null;
        }

        // Every item left waits on another one left: walking "depends on" edges from any of them must repeat.
        var at = Array.FindIndex(waiting, w => w > 0);
        var seen = new Dictionary<int, int>();
        var path = new List<int>();
        while (!seen.ContainsKey(at))
        {
            seen[at] = path.Count;
            path.Add(at);
            at = DependsOn[at].Select(name => Index[name]).First(on => waiting[on] > 0);
        }

        var cycle = path.Skip(seen[at]).Select(i => Names[i]).ToList();
        cycle.Add(Names[at]);
        return cycle;
    }
}
