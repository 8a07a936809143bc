namespace Actors.Benchmarks;

/// <summary>
/// The quick mode: each suite prints <c>&lt;figure&gt; &lt;value&gt; &lt;unit&gt;</c> lines on stdout, every
/// figure next to its baseline measured in the same run; goals and verdicts go to stderr.
/// </summary>
internal static class QuickRunner
{
    private static readonly Dictionary<string, Func<Figures, Task>> Suites = new(StringComparer.Ordinal)
    {
        ["testkit"] = TestKitQuick.RunAsync,
        ["jobs"] = JobsQuick.RunAsync,
        ["thunks"] = ThunksQuick.RunAsync,
        ["tasks"] = TasksQuick.RunAsync,
        ["compute"] = ComputeQuick.RunAsync,
        ["host"] = HostQuick.RunAsync,
        ["soak"] = HostSoak.RunAsync,
        ["telemetry"] = HostTelemetryQuick.RunAsync,
        ["durable"] = DurableQuick.RunAsync,
        ["cluster"] = ClusterQuick.RunAsync,
        ["orchestration"] = OrchestrationQuick.RunAsync,
        ["peers"] = PeersQuick.RunAsync,
        ["orleans"] = PeersOrleans.RunAsync,
    };

    public static async Task<int> RunAsync(string[] suites)
    {
        var chosen = suites.Length == 0 ? Suites.Keys.ToArray() : suites;
        var unknown = chosen.Where(s => !Suites.ContainsKey(s)).ToArray();
        if (unknown.Length > 0)
        {
            await Console.Error.WriteLineAsync($"Unknown suite(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Suites.Keys)}.");
            return 2;
        }

        var figures = new Figures();
        foreach (var suite in chosen)
        {
            await Suites[suite](figures);
        }

        return figures.AllGoalsMet ? 0 : 1;
    }
}

/// <summary>Prints figures and checks goals.</summary>
internal sealed class Figures
{
    public bool AllGoalsMet { get; private set; } = true;

    public void Report(string name, double value, string unit) =>
        Console.WriteLine($"{name} {(Math.Abs(value) >= 100 ? Math.Round(value).ToString("F0") : value.ToString("0.###"))} {unit}");

    /// <summary>Records whether an already reported figure meets its goal (verdict on stderr).</summary>
    public void Goal(string name, double value, string goal, bool met)
    {
        AllGoalsMet &= met;
        Console.Error.WriteLine($"# {name} = {value:0.###}, goal {goal}: {(met ? "met" : "MISSED")}");
    }

    /// <summary>Prints a ratio figure and whether it meets its goal (verdict on stderr).</summary>
    public void Ratio(string name, double value, string goal, bool met)
    {
        Report(name, value, "ratio");
        AllGoalsMet &= met;
        Console.Error.WriteLine($"# {name} = {value:0.###}, goal {goal}: {(met ? "met" : "MISSED")}");
    }
}
