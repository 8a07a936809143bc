using System.Text.RegularExpressions;

namespace Docs.Tests;

/// <summary>The folder dependency picture of docs/architecture.md is what the code's <c>using</c> lines say, and it has no cycle.</summary>
public sealed partial class ArchitectureSpecs
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    [Fact]
    public void The_documented_folder_dependencies_should_be_the_ones_in_the_code()
    {
        Assert.Equal(Render(Documented()), Render(Actual()));
    }

    [Fact]
    public void The_folders_should_form_layers_without_a_cycle()
    {
        var left = Actual();
        while (left.Count > 0)
        {
            var bottom = left.Where(p => p.Value.All(used => !left.ContainsKey(used))).Select(p => p.Key).ToList();
            Assert.True(bottom.Count > 0, $"A cycle among: {string.Join(", ", left.Keys)}.");
            bottom.ForEach(folder => left.Remove(folder));
        }
    }

    private static Dictionary<string, SortedSet<string>> Actual()
    {
        var source = Path.Combine(Root, "src", "Actors");
        var folders = Directory.GetDirectories(source).Select(Path.GetFileName).Where(name => name is not ("bin" or "obj")).Cast<string>().ToHashSet();
        return folders.ToDictionary(folder => folder, folder => new SortedSet<string>(
            Directory.EnumerateFiles(Path.Combine(source, folder), "*.cs")
                .SelectMany(file => Reference().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
                .Where(used => folders.Contains(used) && used != folder), StringComparer.Ordinal));
    }

    private static Dictionary<string, SortedSet<string>> Documented()
    {
        var architecture = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var picture = Picture().Match(architecture);
        Assert.True(picture.Success, "docs/architecture.md has no folder picture (a ```text block of 'Folder -> Used Used' lines).");
        return picture.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("->"))
            .ToDictionary(parts => parts[0].Trim(), parts => new SortedSet<string>(parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal));
    }

    private static string Render(Dictionary<string, SortedSet<string>> uses) =>
        string.Join("\n", uses.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} -> {string.Join(" ", p.Value)}"));

    /// <summary>A <c>using Actors.X</c> line, or a qualified <c>Actors.X.Name</c> / <c>X.Name</c> of a sibling folder's namespace.</summary>
    [GeneratedRegex(@"(?:using\s+Actors\.|\bActors\.|(?<![\w.])(?=(?:Common|Compute|Configuration|Durability|Hosting|Jobs|Tasks|Thunks)\.[A-Z]))(\w+)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"```text\n(Hosting\s*->.*?)```", RegexOptions.Singleline)]
    private static partial Regex Picture();
}
