using System.Security.Cryptography;
using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary><c>files.hash</c>: the SHA-256 of every file under a folder (the first 10,000 listed, in path order), with progress by bytes.</summary>
public static class FilesHashTask
{
    private const int MaxListed = 10_000;

    /// <summary>The task type's definition.</summary>
    public static TaskDefinition Create(FolderGuard guard) =>
        guard.DefineFolderTask("files.hash", TaskPresets.FileOperations, "SHA-256 of every file under a folder (input: { path }), with progress",
            (folder, context) => HashAsync(guard, folder, context));

    private static async Task<HashResult> HashAsync(FolderGuard guard, string folder, ITaskContext context)
    {
        // Two streaming walks (sizes for progress, then hashes), so memory does not grow with the tree.
        var total = Math.Max(1, FolderGuard.FilesInOrder(folder).Sum(f => f.Length));
        var done = 0L;
        var count = 0;
        var hashes = new List<FileHash>();
        var buffer = new byte[1 << 20];
        foreach (var file in FolderGuard.FilesInOrder(folder))
        {
            count++;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            int read;
            while ((read = await stream.ReadAsync(buffer, context.CancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                done += read;
                context.ReportProgress(100.0 * done / total, guard.Relative(file.FullName));
            }

            if (hashes.Count < MaxListed)
            {
                hashes.Add(new FileHash(guard.Relative(file.FullName), file.Length, Convert.ToHexStringLower(hash.GetHashAndReset())));
            }
        }

        return new HashResult(count, done, hashes, count > MaxListed);
    }
}

/// <summary>What <c>files.hash</c> found.</summary>
public sealed record HashResult(int Files, long Bytes, IReadOnlyList<FileHash> Hashes, bool Truncated);

/// <summary>One file's hash.</summary>
public sealed record FileHash(string Path, long Bytes, string Sha256);
