namespace Actors.Orchestration;

/// <summary>Components checked and indexed for a start-up: names unique, dependencies known, no cycle.</summary>
internal sealed class StartupPlan
{
    private StartupPlan(IReadOnlyList<StartupComponent> components, int[][] dependents, int[] dependencies)
    {
        Components = components;
        Dependents = dependents;
        Dependencies = dependencies;
    }

    public IReadOnlyList<StartupComponent> Components { get; }

    /// <summary>For each component, the indexes of those that depend on it.</summary>
    public int[][] Dependents { get; }

    /// <summary>For each component, how many components it depends on.</summary>
    public int[] Dependencies { get; }

    /// <exception cref="StartupConfigurationException">A name is empty or repeated, a dependency is unknown, or the dependencies form a cycle (named).</exception>
    public static StartupPlan Of(IEnumerable<StartupComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var list = components.ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var component = list[i] ?? throw new StartupConfigurationException($"Start-up component #{i + 1} is null.");
            if (string.IsNullOrWhiteSpace(component.Name))
            {
                throw new StartupConfigurationException($"Start-up component #{i + 1} has no name; every component needs a unique one.");
            }

            if (component.Start is null)
            {
                throw new StartupConfigurationException($"Start-up component '{component.Name}' has no Start function.");
            }

            if (component.Retries < 0 || component.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                throw new StartupConfigurationException($"Start-up component '{component.Name}': retries must not be negative and a timeout must be positive.");
            }

            if (!index.TryAdd(component.Name, i))
            {
                throw new StartupConfigurationException($"Two start-up components are named '{component.Name}'; names must be unique.");
            }
        }

        var dependents = new List<int>[list.Count];
        var dependencies = new int[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            dependents[i] = [];
        }

        for (var i = 0; i < list.Count; i++)
        {
            foreach (var dependency in (list[i].DependsOn ?? []).Distinct(StringComparer.Ordinal))
            {
                if (!index.TryGetValue(dependency, out var on))
                {
                    throw new StartupConfigurationException($"Start-up component '{list[i].Name}' depends on '{dependency}', which is not a component.");
                }

                dependents[on].Add(i);
                dependencies[i]++;
            }
        }

        var plan = new StartupPlan(list, dependents.Select(d => d.ToArray()).ToArray(), dependencies);
        if (plan.FindCycle() is { } cycle)
        {
            throw new StartupConfigurationException($"The start-up components' dependencies form a cycle: {string.Join(" → ", cycle)}.");
        }

        return plan;
    }

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

        // Every component left waits on another one left: walking "depends on" edges from any of them must repeat.
        var byName = Components.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var at = Array.FindIndex(waiting, w => w > 0);
        var seen = new Dictionary<int, int>();
        var path = new List<int>();
        while (!seen.ContainsKey(at))
        {
            seen[at] = path.Count;
            path.Add(at);
            at = Components[at].DependsOn!.Select(name => byName[name]).First(on => waiting[on] > 0);
        }

        var cycle = path.Skip(seen[at]).Select(i => Components[i].Name).ToList();
        cycle.Add(Components[at].Name);
        return cycle;
    }
}
