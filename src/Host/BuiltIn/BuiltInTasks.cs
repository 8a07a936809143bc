using Actors.Compute;
using Actors.Tasks;

namespace Actors.Host.BuiltIn;

/// <summary>The task types the service runs out of the box, one per seed category.</summary>
internal static class BuiltInTasks
{
    /// <summary>
    /// Registers the built-in task types as <see cref="TaskDefinition"/> services (the queue runs every
    /// definition registered so, yours included).
    /// </summary>
    public static IServiceCollection AddBuiltInTasks(this IServiceCollection services, ServiceOptions options)
    {
        var guard = new FolderGuard(options.FilesRoot);
        services.AddSingleton(guard);
        services.AddSingleton(FilesHashTask.Create(guard));
        services.AddSingleton(FilesScanTask.Create(guard));
        services.AddSingleton(CodeAnalyzeTask.Create(guard));
        services.AddSingleton(SqliteBulkTask.Create(Path.GetFullPath(options.DataFolder)));
        services.AddSingleton(SqliteInsertTask.Create(Path.GetFullPath(options.DataFolder), SqliteInsertTask.Batching));
        services.AddSingleton(HttpFetchTask.Create(new NetworkGuard(options.HttpFetch.AllowPrivateNetworks), options.HttpFetch));
        services.AddSingleton(provider => ComputePrimesTask.Create(new Lazy<IComputePool>(provider.GetRequiredService<IComputePool>)));
        return services;
    }
}
