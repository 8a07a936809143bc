using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>files.scan</c>: a summary of a directory tree (counts, sizes, extensions, largest files, depth).</summary>
public static class FilesScanTask
{
    /// <summary>The task type's definition.</summary>
    public static TaskDefinition Create(FolderGuard guard) =>
        guard.DefineFolderTask("files.scan", TaskPresets.FileOperations, "A directory tree summary (input: { path }): files, folders, bytes, depth, extensions, largest files",
            (root, context) => Task.Run(() => Scan(guard, root, context), context.CancellationToken));

    private static ScanResult Scan(FolderGuard guard, string root, ITaskContext context)
    {
        var folders = 0;
        var depth = 0;
        var files = new List<FileInfo>();
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", FolderGuard.Walk))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            depth = Math.Max(depth, Path.GetRelativePath(root, entry.FullName).Count(c => c == Path.DirectorySeparatorChar) + 1);
            if (entry is FileInfo file)
            {
                files.Add(file);
            }
            else
            {
                folders++;
            }

            if ((files.Count + folders) % 1_000 == 0)
            {
                context.ReportProgress(50, $"{files.Count} files so far");
            }
        }

        var byExtension = files.GroupBy(f => f.Extension.Length == 0 ? "(none)" : f.Extension.ToLowerInvariant())
            .Select(g => new ExtensionSummary(g.Key, g.Count(), g.Sum(f => f.Length)))
            .OrderByDescending(e => e.Bytes).Take(20).ToList();
        var largest = files.OrderByDescending(f => f.Length).Take(10).Select(f => new FileSize(guard.Relative(f.FullName), f.Length)).ToList();
        return new ScanResult(files.Count, folders, files.Sum(f => f.Length), depth, byExtension, largest);
    }
}

/// <summary>What <c>files.scan</c> found.</summary>
public sealed record ScanResult(int Files, int Folders, long Bytes, int Depth, IReadOnlyList<ExtensionSummary> ByExtension, IReadOnlyList<FileSize> Largest);

/// <summary>Files of one extension.</summary>
public sealed record ExtensionSummary(string Extension, int Files, long Bytes);

/// <summary>One file and its size.</summary>
public sealed record FileSize(string Path, long Bytes);
