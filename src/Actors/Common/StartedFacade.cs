using Akka.Actor;

namespace Actors.Common;

/// <summary>
/// The facade of a capability that was started in an actor system (an Akka extension, one per facade
/// type), so that DI can hand it out once the system has started it.
/// </summary>
internal sealed class StartedFacade<T> : IExtension
    where T : class
{
    /// <summary>The started facade; null until the capability is started.</summary>
    public T? Value { get; set; }

    public static StartedFacade<T> For(ActorSystem system) => system.WithExtension<StartedFacade<T>, StartedFacadeProvider<T>>();

    /// <summary>The started facade, or an error that says how to start it.</summary>
    public static T Get(ActorSystem system, string howToStart) =>
        For(system).Value ?? throw new InvalidOperationException($"No {typeof(T).Name} has been started. {howToStart}");
}

/// <summary>Creates the <see cref="StartedFacade{T}"/> of an actor system.</summary>
internal sealed class StartedFacadeProvider<T> : ExtensionIdProvider<StartedFacade<T>>
    where T : class
{
    public override StartedFacade<T> CreateExtension(ExtendedActorSystem system) => new();
}
