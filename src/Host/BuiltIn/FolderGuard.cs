using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary>
/// Keeps file tasks inside the configured root: a path is resolved against the root to its real path
/// (every symbolic link in it followed, component by component, as the operating system would), must
/// stay under the root's real path, and must be an existing folder; walks skip symbolic links so they
/// cannot lead out either.
/// </summary>
public sealed class FolderGuard(string root)
{
    /// <summary>More links than this in one path is a loop (Linux's own limit is 40).</summary>
    private const int MaxLinks = 40;

    /// <summary>Walks a tree without following links, skipping what cannot be read.</summary>
    public static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
    };

    /// <summary>One folder's entries, for <see cref="FilesInOrder"/>: no links, nothing unreadable.</summary>
    private static readonly EnumerationOptions OneFolder = new() { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };

    /// <summary>
    /// The files under <paramref name="folder"/>, depth first, each folder's entries in ordinal order, without
    /// following links: memory grows with one folder's entries and the depth, never with the whole tree.
    /// </summary>
    public static IEnumerable<FileInfo> FilesInOrder(string folder)
    {
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(folder)]);
        while (pending.TryPop(out var directory))
        {
            var entries = directory.GetFileSystemInfos("*", OneFolder);
            Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var file in entries.OfType<FileInfo>())
            {
                yield return file;
            }

            foreach (var child in entries.OfType<DirectoryInfo>().Reverse())
            {
                pending.Push(child);
            }
        }
    }

    /// <summary>The root, as a real path (no links in it).</summary>
    public string Root { get; } = RealPath(Path.GetFullPath(root)) ?? Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>Null if <paramref name="path"/> names a folder under the root, else what is wrong.</summary>
    public string? Problem(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "'path' is required: a folder under the service's files root.";
        }

        var full = Resolve(path);
        if (full is null)
        {
            return $"'path' must lie under the files root ({Root}), links followed; '{path}' does not.";
        }

        return Directory.Exists(full) ? null : $"'path' must be an existing folder; '{path}' is not.";
    }

    private string ResolveOrThrow(string path) =>
        Resolve(path) ?? throw new UserActionableTaskException($"'{path}' is not under the files root ({Root}), links followed.", "Use a folder under the service's files root.");

    /// <summary>The real path of <paramref name="path"/> (relative to the root, or absolute) if it lies under the root, else null.</summary>
    public string? Resolve(string path)
    {
        var real = RealPath(Path.IsPathRooted(path) ? path : Root + Path.DirectorySeparatorChar + path);
        return real is not null && (real == Root || real.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) ? real : null;
    }

    /// <summary>
    /// The path with every link followed, resolved one component at a time: <c>..</c> after a link goes to
    /// the parent of the link's target, as the operating system does, not to the folder that holds the link.
    /// Null for a loop of links.
    /// </summary>
    private static string? RealPath(string path)
    {
        var pending = new Stack<string>(Components(path).Reverse());
        var real = Path.GetPathRoot(Path.GetFullPath(path))!;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                real = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(real)) ?? real;
                continue;
            }

            var next = Path.Combine(real, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                real = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            // The target's own components are resolved the same way, relative to the folder holding the link.
            foreach (var targetPart in Components(target).Reverse())
            {
                pending.Push(targetPart);
            }

            if (Path.IsPathRooted(target))
            {
                real = Path.GetPathRoot(target)!;
            }
        }

        return Path.TrimEndingDirectorySeparator(real) is { Length: > 0 } trimmed ? trimmed : real;
    }

    private static IEnumerable<string> Components(string path) =>
        path[(Path.GetPathRoot(path)?.Length ?? 0)..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// A task type that reads a folder: its input (<see cref="FolderInput"/>) is checked on submit, and
    /// <paramref name="run"/> gets the folder's full path.
    /// </summary>
    public TaskDefinition DefineFolderTask<TResult>(string type, TaskSettings settings, string description, Func<string, ITaskContext, Task<TResult>> run) =>
        TaskDefinition.Create<FolderInput, TResult>(type, (input, context) => run(ResolveOrThrow(input.Path), context), settings)
            .WithValidation<FolderInput>(input => Problem(input?.Path))
            .WithDescription(description);

    /// <summary>The path relative to the root, for results.</summary>
    public string Relative(string full) => Path.GetRelativePath(Root, full);
}

/// <summary>The input of the tasks that read a folder.</summary>
/// <param name="Path">A folder under the service's files root (relative to it, or absolute).</param>
public sealed record FolderInput(string Path);
