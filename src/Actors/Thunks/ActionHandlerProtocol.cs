using Akka.Actor;

namespace Actors.Thunks;

// The action handler receives each DispatchThunkAction that the coordinator lets through, with the
// dispatcher as its sender, in the coordinator's order (its mailbox keeps it). It applies them one at a
// time and, when Acknowledge is set, tells the sender ThunkActionApplied (or ThunkActionRefused). Any actor
// that does this can be the handler; StateStoreActor is the reference one.
//
// A tree's actions arrive with its RootId. When a tree that held a lock ends, the coordinator tells the
// handler ThunkTreeEnded, before anything that follows the tree: a transactional handler (StateStoreActor)
// commits the tree's actions or, for a failed tree, undoes them, and answers StoreCommitted. A durable
// coordinator restores a handler's committed state with RestoreStore before it lets any action through.

/// <summary>
/// A tree that held a lock has ended: its actions are final if <paramref name="Completed"/>, else they are
/// to be undone. Answered with <see cref="StoreCommitted"/> by handlers that keep a committed state.
/// </summary>
/// <param name="RootId">The tree's root thunk.</param>
/// <param name="Completed">Whether the root completed (false: it failed, timed out, or its source died).</param>
public sealed record ThunkTreeEnded(string RootId, bool Completed);

/// <summary>A handler's committed state after a tree ended (or was undone): what readers see and what a checkpoint keeps.</summary>
/// <param name="RootId">The tree that ended.</param>
/// <param name="Version">The committed state's version.</param>
/// <param name="State">The committed state.</param>
public sealed record StoreCommitted(string RootId, long Version, object? State);

/// <summary>From a durable coordinator after a restart: the committed state to continue from.</summary>
/// <param name="Version">Its version.</param>
/// <param name="State">The state (of the store's state type).</param>
public sealed record RestoreStore(long Version, object? State);

/// <summary>Subscribes an actor to a state store: it gets the current state, then every new one.</summary>
/// <param name="Subscriber">The actor to tell.</param>
public sealed record SubscribeToStore(IActorRef Subscriber) : IThunkWireMessage;

/// <summary>Asks a state store for its state. Replies <see cref="StoreStateChanged{TState}"/>.</summary>
public sealed record GetStoreState : IThunkWireMessage
{
    /// <summary>The single instance.</summary>
    public static readonly GetStoreState Instance = new();

    private GetStoreState()
    {
    }
}

/// <summary>
/// A state store's committed state, with its version (one more per committed action): the state between
/// trees, never one with part of a tree's actions applied.
/// </summary>
/// <param name="Version">The version.</param>
/// <param name="State">The state.</param>
/// <param name="LastAction">The action that produced it; null for the initial state.</param>
public sealed record StoreStateChanged<TState>(long Version, TState State, object? LastAction) : IThunkWireMessage;

/// <summary>
/// From a coordinator to the built-in state store only (both on one node: the store is its sibling): actions
/// let through together, each with its dispatcher, applied in order as if each had come alone.
/// </summary>
internal sealed record HandedOverActions(HandedOverAction[] Actions);

/// <summary>One action of <see cref="HandedOverActions"/> and the actor that dispatched it.</summary>
internal readonly record struct HandedOverAction(DispatchThunkAction Dispatch, IActorRef Sender);

/// <summary>To the coordinator itself: send the gathered actions to the handler.</summary>
internal sealed record FlushHandOvers
{
    public static readonly FlushHandOvers Instance = new();
}
