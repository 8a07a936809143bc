using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary>
/// Keeps file tasks inside the configured root: a path is resolved against the root, must stay under it,
/// must be an existing folder; walks skip symbolic links so they cannot lead out.
/// </summary>
public sealed class FolderGuard(string root)
{
    /// <summary>Walks a tree without following links, skipping what cannot be read.</summary>
    public static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
    };

    /// <summary>The root, as a full path.</summary>
    public string Root { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

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
            return $"'path' must lie under the files root ({Root}); '{path}' does not.";
        }

        return Directory.Exists(full) ? null : $"'path' must be an existing folder; '{path}' is not.";
    }

    private string ResolveOrThrow(string path) =>
        Resolve(path) ?? throw new UserActionableTaskException($"'{path}' is not under the files root.", "Use a folder under the service's files root.");

    /// <summary>The full path of <paramref name="path"/> if it lies under the root, else null.</summary>
    public string? Resolve(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(Root, path)));
        return full == Root || full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

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
