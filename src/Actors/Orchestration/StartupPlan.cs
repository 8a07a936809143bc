namespace Actors.Orchestration;

/// <summary>Components checked and indexed for a start-up: names unique, dependencies known, no cycle.</summary>
internal sealed class StartupPlan
{
    private StartupPlan(IReadOnlyList<StartupComponent> components, DependencyGraph graph) => (Components, Graph) = (components, graph);

    public IReadOnlyList<StartupComponent> Components { get; }

    private DependencyGraph Graph { get; }

    /// <summary>For each component, the indexes of those that depend on it.</summary>
    public int[][] Dependents => Graph.Dependents;

    /// <summary>For each component, how many components it depends on.</summary>
    public int[] Dependencies => Graph.Dependencies;

    /// <exception cref="StartupConfigurationException">A name is empty or repeated, a dependency is unknown, or the dependencies form a cycle (named).</exception>
    public static StartupPlan Of(IEnumerable<StartupComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var list = components.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var component = list[i] ?? throw new StartupConfigurationException($"Start-up component #{i + 1} is null.");
            if (component.Start is null && !string.IsNullOrWhiteSpace(component.Name))
            {
                throw new StartupConfigurationException($"Start-up component '{component.Name}' has no Start function.");
            }

            if (component.Retries < 0 || component.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                throw new StartupConfigurationException($"Start-up component '{component.Name}': retries must not be negative and a timeout must be positive.");
            }
        }

        var graph = DependencyGraph.Build(list.Select(c => c.Name).ToList(), list.Select(c => c.DependsOn).ToList(), "start-up component", out var problem)
            ?? throw new StartupConfigurationException(problem!);
        return new StartupPlan(list, graph);
    }
}
