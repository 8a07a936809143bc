using System.Collections.Concurrent;
using Akka.Actor;

namespace Actors.Jobs;

/// <summary>The job managers started in one actor system, by name (an Akka extension).</summary>
internal sealed class JobManagerRegistry : IExtension
{
    private readonly ConcurrentDictionary<string, object> _managers = new(StringComparer.Ordinal);

    public static JobManagerRegistry For(ActorSystem system) =>
        system.WithExtension<JobManagerRegistry, JobManagerRegistryProvider>();

    public IEnumerable<string> Names => _managers.Keys;

    public bool TryAdd(string name, object manager) => _managers.TryAdd(name, manager);

    public IJobManager<TState, TAction> Get<TState, TAction>(string name)
    {
        if (!_managers.TryGetValue(name, out var manager))
        {
            throw new InvalidOperationException(
                $"No job manager named '{name}' has been started. Start it with akka.WithJobManager<{typeof(TState).Name}, {typeof(TAction).Name}>(\"{name}\") or JobManager.Start.");
        }

        return manager as IJobManager<TState, TAction> ?? throw new InvalidOperationException(
            $"Job manager '{name}' does not run Job<{typeof(TState).Name}, {typeof(TAction).Name}>; it is the {manager}.");
    }

    public IJobManager<TState, TAction> GetOnly<TState, TAction>()
    {
        var matches = _managers.Values.OfType<IJobManager<TState, TAction>>().ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException(
                $"No job manager runs Job<{typeof(TState).Name}, {typeof(TAction).Name}>. Register one with akka.WithJobManager<{typeof(TState).Name}, {typeof(TAction).Name}>(name)."),
            _ => throw new InvalidOperationException(
                $"{matches.Length} job managers run Job<{typeof(TState).Name}, {typeof(TAction).Name}> ({string.Join(", ", matches.Select(m => m.Name))}); resolve IJobManagers and call Get<{typeof(TState).Name}, {typeof(TAction).Name}>(name) to pick one."),
        };
    }
}

/// <summary>Creates the <see cref="JobManagerRegistry"/> of an actor system.</summary>
internal sealed class JobManagerRegistryProvider : ExtensionIdProvider<JobManagerRegistry>
{
    public override JobManagerRegistry CreateExtension(ExtendedActorSystem system) => new();
}
