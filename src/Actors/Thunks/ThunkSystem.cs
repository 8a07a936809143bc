using Actors.Common;
using Actors.Durability;
using Akka.Actor;

namespace Actors.Thunks;

/// <summary>The parts of a running thunk system; <see cref="Start"/> starts one (what <c>WithThunks</c> calls for you).</summary>
/// <param name="Coordinator">The <see cref="ThunkCoordinator"/>.</param>
/// <param name="Store">The state store that applies the actions.</param>
/// <param name="Processor">The facade for server code.</param>
public sealed record ThunkSystem(IActorRef Coordinator, IActorRef Store, IThunkProcessor Processor)
{
    /// <summary>
    /// Starts a <see cref="StateStoreActor{TState}"/> (<c>/user/thunk-store</c>) and a
    /// <see cref="ThunkCoordinator"/> in front of it (<c>/user/thunks</c>), with settings from <c>actors.thunks</c>;
    /// with <paramref name="durability"/>, the coordinator checkpoints its state and resumes from it.
    /// </summary>
    /// <remarks>
    /// On a cluster, the two run together as one cluster singleton (<c>/user/thunks/singleton</c>, reached through
    /// <c>/user/thunks-proxy</c> on every node, which is then both <see cref="Coordinator"/> and <see cref="Store"/>):
    /// a thunk on any node locks and dispatches through the one coordinator, and a node's death fails its trees.
    /// Every action type must be named in <paramref name="durability"/>'s action types (actions cross nodes).
    /// </remarks>
    public static ThunkSystem Start<TState>(ActorSystem system, TState initialState, Func<TState, object, TState> reducer, ThunkDurability? durability = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(reducer);
        var settings = ThunkSettings.Create(system);
        if (durability is not null)
        {
            DurabilitySettings.Required(system, "The thunk system");
        }

        durability = durability is null ? null : durability with { StateType = durability.StateType ?? typeof(TState) };
        ThunkWireTypes.For(system).Register(typeof(TState), durability?.ActionTypes);
        IActorRef coordinator, store;
        if (Placement.IsCluster(system))
        {
            // One coordinator and store in the whole cluster, together in one singleton; reached through its proxy.
            var persistence = durability is null ? null : DurabilitySettings.Create(system);
            var fenced = persistence?.Provider == DurabilityProvider.PostgreSql ? persistence : null;
            coordinator = store = Placement.StartOnce(system, ThunkHost<TState>.Props(initialState, reducer, settings, durability, fenced), "thunks", HandOverThunks.Instance);
            ClusterEvents.StartRelay(system, ThunkCoordinator.EventTopic);
        }
        else
        {
            store = system.ActorOf(StateStoreActor<TState>.Props(initialState, reducer, awaitRestore: durability is not null), "thunk-store");
            coordinator = system.ActorOf(ThunkCoordinator.ForStateStore(store, settings, durability), "thunks");
        }

        var client = system.ActorOf(ThunkClientActor.Props(), "thunk-processor");
        var started = new ThunkSystem(coordinator, store, new ThunkProcessor(coordinator, store, client, settings));
        StartedFacade<ThunkSystem>.For(system).Value = started;
        return started;
    }
}

/// <summary>Names for the actions of a thunk system that crosses nodes.</summary>
public static class ThunkWire
{
    /// <summary>
    /// Names action types for the wire, where a clustered thunk system sends every action to its coordinator. A durable
    /// system's <see cref="ThunkDurability.ActionTypes"/> are named already; call this for others, on every node (and in
    /// an outside process that sends thunk commands).
    /// </summary>
    /// <param name="system">The actor system.</param>
    /// <param name="actionTypes">Action types by the name they travel under.</param>
    /// <exception cref="InvalidOperationException">A name is already taken by another type.</exception>
    public static void RegisterActionTypes(ActorSystem system, IReadOnlyDictionary<string, Type> actionTypes)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(actionTypes);
        ThunkWireTypes.For(system).AddActions(actionTypes);
    }
}

/// <summary>The DI <see cref="IThunkProcessor"/>: the processor of the started thunk system, found on first use.</summary>
internal sealed class RegisteredThunkProcessor(ActorSystem system) : IThunkProcessor
{
    public IActorRef Coordinator => Processor.Coordinator;

    private IThunkProcessor Processor => StartedFacade<ThunkSystem>.Get(system, "Add akka.WithThunks(initialState, reducer).").Processor;

    public Task RunAsync(Func<IThunkContext, Task> body, ThunkOptions? options = null, CancellationToken cancellationToken = default) =>
        Processor.RunAsync(body, options, cancellationToken);

    public Task<T> RunAsync<T>(Func<IThunkContext, Task<T>> body, ThunkOptions? options = null, CancellationToken cancellationToken = default) =>
        Processor.RunAsync(body, options, cancellationToken);

    public Task<ThunkSummary> GetSummaryAsync(CancellationToken cancellationToken = default) => Processor.GetSummaryAsync(cancellationToken);

    public Task<StoreStateChanged<TState>> GetStateAsync<TState>(CancellationToken cancellationToken = default) => Processor.GetStateAsync<TState>(cancellationToken);
}
