using System.Collections.Frozen;
using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>code.analyze</c>: files, lines and blank lines of a source tree, by language.</summary>
public static class CodeAnalyzeTask
{
    private const long MaxFileBytes = 10 << 20;

    private static readonly FrozenSet<string> SkippedFolders = new[] { ".git", "bin", "obj", "node_modules", ".vs", ".idea" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string> Languages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".cs"] = "C#", [".fs"] = "F#", [".vb"] = "Visual Basic", [".js"] = "JavaScript", [".mjs"] = "JavaScript", [".ts"] = "TypeScript", [".tsx"] = "TypeScript",
        [".py"] = "Python", [".go"] = "Go", [".rs"] = "Rust", [".java"] = "Java", [".kt"] = "Kotlin", [".c"] = "C", [".h"] = "C/C++ header",
        [".cpp"] = "C++", [".cc"] = "C++", [".hpp"] = "C++", [".rb"] = "Ruby", [".php"] = "PHP", [".swift"] = "Swift", [".sh"] = "Shell",
        [".ps1"] = "PowerShell", [".sql"] = "SQL", [".html"] = "HTML", [".css"] = "CSS", [".scss"] = "SCSS", [".json"] = "JSON", [".yml"] = "YAML",
        [".yaml"] = "YAML", [".xml"] = "XML", [".csproj"] = "MSBuild", [".props"] = "MSBuild", [".md"] = "Markdown", [".conf"] = "HOCON", [".toml"] = "TOML",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The task type's definition.</summary>
    public static TaskDefinition Create(FolderGuard guard) =>
        guard.DefineFolderTask("code.analyze", TaskPresets.Analysis, "Lines and languages of a source tree (input: { path }); skips .git, bin, obj, node_modules and binary files",
            (root, context) => AnalyzeAsync(guard, root, context));

    private static async Task<CodeResult> AnalyzeAsync(FolderGuard guard, string root, ITaskContext context)
    {
        // Two streaming walks (a count for progress, then the lines), reading each file line by line: memory
        // does not grow with the tree or with a file.
        var total = Sources(root).Count();
        var stats = new Dictionary<string, LanguageStats>(StringComparer.Ordinal);
        var done = 0;
        foreach (var file in Sources(root))
        {
            done++;
            if (file.Length <= MaxFileBytes && await CountLinesAsync(file, context.CancellationToken) is var (lines, blank))
            {
                var language = Languages[file.Extension];
                var previous = stats.GetValueOrDefault(language, new LanguageStats(language, 0, 0, 0, 0));
                stats[language] = previous with { Files = previous.Files + 1, Lines = previous.Lines + lines, BlankLines = previous.BlankLines + blank, Bytes = previous.Bytes + file.Length };
            }

            context.ReportProgress(100.0 * done / Math.Max(total, 1), guard.Relative(file.FullName));
        }

        var languages = stats.Values.OrderByDescending(s => s.Lines).ToList();
        return new CodeResult(languages.Sum(s => s.Files), languages.Sum(s => s.Lines), languages.Sum(s => s.BlankLines), languages);
    }

    private static IEnumerable<FileInfo> Sources(string root) =>
        FolderGuard.FilesInOrder(root).Where(f => Languages.ContainsKey(f.Extension) && !InSkippedFolder(root, f.FullName));

    /// <summary>Lines and blank lines of a text file (a final newline ends the last line); null for a binary file (it has a NUL).</summary>
    private static async Task<(long Lines, long Blank)?> CountLinesAsync(FileInfo file, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(file.FullName);
        var (lines, blank) = (0L, 0L);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Contains('\0'))
            {
                return null;
            }

            lines++;
            blank += string.IsNullOrWhiteSpace(line) ? 1 : 0;
        }

        return (lines, blank);
    }

    private static bool InSkippedFolder(string root, string file) =>
        Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).SkipLast(1).Any(SkippedFolders.Contains);
}

/// <summary>What <c>code.analyze</c> found.</summary>
public sealed record CodeResult(int Files, long Lines, long BlankLines, IReadOnlyList<LanguageStats> Languages);

/// <summary>One language's share.</summary>
public sealed record LanguageStats(string Language, int Files, long Lines, long BlankLines, long Bytes);
