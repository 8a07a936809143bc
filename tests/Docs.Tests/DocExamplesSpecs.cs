using System.Text.RegularExpressions;

namespace Docs.Tests;

/// <summary>
/// Every <c>csharp</c> block of README.md and docs/ is compiled code: its lines appear, in order, in one
/// source file of the test projects, which CI compiles and runs. A guide's example cannot rot unnoticed.
/// </summary>
public sealed partial class DocExamplesSpecs
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var guide in Guides())
        {
            var count = CsharpBlocks(File.ReadAllText(Path.Combine(Root, guide))).Count;
            for (var i = 0; i < count; i++)
            {
                data.Add(guide, i + 1);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_example_should_be_in_compiled_code(string guide, int block)
    {
        var lines = Lines(CsharpBlocks(File.ReadAllText(Path.Combine(Root, guide)))[block - 1]);
        var sources = Directory.EnumerateFiles(Path.Combine(Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

        var best = sources.Select(path => (path, matched: MatchedInOrder(lines, Lines(File.ReadAllText(path))))).MaxBy(p => p.matched);

        if (best.matched < lines.Count)
        {
            Assert.Fail($"{guide}, csharp block {block}: line {best.matched + 1} ('{lines[best.matched]}') is not in compiled code (closest: {Path.GetRelativePath(Root, best.path)}). " +
                "Put the example in a test project, as it is in the guide.");
        }
    }

    [Fact]
    public void Every_guide_should_be_checked()
    {
        Assert.Contains("docs/testing.md", Guides());
        Assert.True(Blocks().Count() >= 10);
    }

    private static IEnumerable<string> Guides() =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md").Select(path => Path.GetRelativePath(Root, path)).Order(StringComparer.Ordinal));

    private static List<string> CsharpBlocks(string markdown) => [.. Block().Matches(markdown).Select(m => m.Groups[1].Value)];

    /// <summary>Non-blank lines, trimmed, with runs of spaces as one: layout may differ, code may not.</summary>
    private static List<string> Lines(string code) =>
        [.. code.Split('\n').Select(line => Spaces().Replace(line.Trim(), " ")).Where(line => line.Length > 0)];

    /// <summary>How many of <paramref name="wanted"/>, from the first, appear in order in <paramref name="source"/>.</summary>
    private static int MatchedInOrder(List<string> wanted, List<string> source)
    {
        var matched = 0;
        foreach (var line in source)
        {
            if (matched < wanted.Count && line == wanted[matched])
            {
                matched++;
            }
        }

        return matched;
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
