using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>files.scan</c>: a summary of a directory tree (counts, sizes, extensions, largest files, depth).</summary>
public static class FilesScanTask
{
    /// <summary>The task type's definition.</summary>
    public static TaskDefinition Create(FolderGuard guard) =>
        guard.DefineFolderTask("files.scan", TaskPresets.FileOperations, "A directory tree summary (input: { path }): files, folders, bytes, depth, extensions, largest files",
            (root, context) => Task.Run(() => Scan(guard, root, context), context.CancellationToken));

    /// <summary>Extensions tallied one by one; beyond this many, the rest count as "(other)" (so a tree of random names cannot grow the tally).</summary>
    private const int MaxExtensions = 1_000;

    private static ScanResult Scan(FolderGuard guard, string root, ITaskContext context)
    {
        // Running totals only: memory does not grow with the tree.
        var (files, folders, bytes, depth) = (0, 0, 0L, 0);
        var byExtension = new Dictionary<string, (int Files, long Bytes)>(StringComparer.Ordinal);
        var largest = new PriorityQueue<FileInfo, long>();
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", FolderGuard.Walk))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            depth = Math.Max(depth, Path.GetRelativePath(root, entry.FullName).Count(c => c == Path.DirectorySeparatorChar) + 1);
            if (entry is FileInfo file)
            {
                (files, bytes) = (files + 1, bytes + file.Length);
                var extension = file.Extension.Length == 0 ? "(none)" : file.Extension.ToLowerInvariant();
                extension = byExtension.Count >= MaxExtensions && !byExtension.ContainsKey(extension) ? "(other)" : extension;
                var tally = byExtension.GetValueOrDefault(extension);
                byExtension[extension] = (tally.Files + 1, tally.Bytes + file.Length);
                largest.Enqueue(file, file.Length);
                if (largest.Count > 10)
                {
                    largest.Dequeue();
                }
            }
            else
            {
                folders++;
            }

            if ((files + folders) % 1_000 == 0)
            {
                context.ReportProgress(50, $"{files} files so far");
            }
        }

        var extensions = byExtension.Select(p => new ExtensionSummary(p.Key, p.Value.Files, p.Value.Bytes)).OrderByDescending(e => e.Bytes).Take(20).ToList();
        var top = largest.UnorderedItems.Select(i => i.Element).OrderByDescending(f => f.Length).Select(f => new FileSize(guard.Relative(f.FullName), f.Length)).ToList();
        return new ScanResult(files, folders, bytes, depth, extensions, top);
    }
}

/// <summary>What <c>files.scan</c> found.</summary>
public sealed record ScanResult(int Files, int Folders, long Bytes, int Depth, IReadOnlyList<ExtensionSummary> ByExtension, IReadOnlyList<FileSize> Largest);

/// <summary>Files of one extension.</summary>
public sealed record ExtensionSummary(string Extension, int Files, long Bytes);

/// <summary>One file and its size.</summary>
public sealed record FileSize(string Path, long Bytes);
