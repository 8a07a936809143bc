using Akka.Actor;

namespace Actors.Thunks;

// The action handler receives each DispatchThunkAction that the coordinator lets through, with the
// dispatcher as its sender, in the coordinator's order (its mailbox keeps it). It applies them one at a
// time and, when Acknowledge is set, tells the sender ThunkActionApplied (or ThunkActionRefused). Any actor
// that does this can be the handler; StateStoreActor is the reference one.

/// <summary>Subscribes an actor to a state store: it gets the current state, then every new one.</summary>
/// <param name="Subscriber">The actor to tell.</param>
public sealed record SubscribeToStore(IActorRef Subscriber);

/// <summary>Asks a state store for its state. Replies <see cref="StoreStateChanged{TState}"/>.</summary>
public sealed record GetStoreState
{
    /// <summary>The single instance.</summary>
    public static readonly GetStoreState Instance = new();

    private GetStoreState()
    {
    }
}

/// <summary>A state store's state, with its version (one more per applied action).</summary>
/// <param name="Version">The version.</param>
/// <param name="State">The state.</param>
/// <param name="LastAction">The action that produced it; null for the initial state.</param>
public sealed record StoreStateChanged<TState>(long Version, TState State, object? LastAction);
