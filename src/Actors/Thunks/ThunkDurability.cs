using System.Collections.Frozen;
using System.Text.Json;
using Actors.Durability;

namespace Actors.Thunks;

/// <summary>
/// Makes the <see cref="ThunkCoordinator"/> durable: its version, trees, locks and waiting actions are
/// checkpointed to the journal, and a restarted coordinator continues from the last checkpoint. Waiting
/// actions are stored as JSON under the names given here, so every action type that may wait must be
/// registered (an unregistered one is not stored, and a warning says so). Checkpoints go to the system's one
/// store (<c>WithDurability</c>); starting a durable thunk system without a store is an error.
/// </summary>
/// <param name="ActionTypes">Action types by their stored name.</param>
/// <remarks>
/// The store's committed state is checkpointed in the same write as the coordinator's trees and version,
/// as JSON of <see cref="StateType"/> (set by <c>WithThunks</c> from the store's state type), so after a
/// crash the two agree: trees that had not committed are failed, and their actions are not in the state.
/// </remarks>
public sealed record ThunkDurability(IReadOnlyDictionary<string, Type> ActionTypes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The state store's state type, to checkpoint its committed state as JSON; null keeps no store state.</summary>
    public Type? StateType { get; init; }

    /// <summary>The stored form of the store's state; null without a <see cref="StateType"/>.</summary>
    internal JsonElement? StoreState(object? state) => StateType is { } type && state is not null ? JsonSerializer.SerializeToElement(state, type, Json) : null;

    /// <summary>The store's state back from its stored form.</summary>
    internal object? RestoreState(JsonElement? stored) => StateType is { } type && stored is { } json ? json.Deserialize(type, Json) : null;

    private FrozenDictionary<Type, string> NamesByType { get; } = ActionTypes.ToFrozenDictionary(p => p.Value, p => p.Key);

    /// <summary>The stored form of an action, or null if its type is not registered.</summary>
    internal StoredActionV1? Store(object action) =>
        NamesByType.TryGetValue(action.GetType(), out var name) ? new StoredActionV1(name, JsonSerializer.SerializeToElement(action, action.GetType(), Json)) : null;

    /// <summary>An action back from its stored form, or null if its name is no longer registered.</summary>
    internal object? Restore(StoredActionV1 stored) =>
        ActionTypes.TryGetValue(stored.Name, out var type) ? stored.Json.Deserialize(type, Json) : null;
}

/// <summary>An action as stored: its registered name and its JSON.</summary>
internal sealed record StoredActionV1(string Name, JsonElement Json);

/// <summary>The coordinator's durable state at one moment (before the store's state was kept with it; read, never written).</summary>
[StoredAs("thunks.checkpoint.v1")]
internal sealed record ThunkCheckpointV1(long Version, long NextId, long Tickets, IReadOnlyList<StoredThunkV1> Thunks, IReadOnlyList<StoredTreeV1> Trees,
    IReadOnlyList<StoredQueuedActionV1> Queue) : IStored
{
    /// <summary>As the current shape: from an unknown incarnation, with no store state.</summary>
    public ThunkCheckpointV2 Upgraded() => new(Version, NextId, Tickets, Thunks, Trees, Queue, Incarnation: "", StoreVersion: 0, StoreState: null);
}

/// <summary>
/// The coordinator's durable state at one moment, with the store's committed state of the same moment and
/// the actor system it was written by (a coordinator of another incarnation fails every tree in it).
/// </summary>
[StoredAs("thunks.checkpoint.v2", Large = true)]
internal sealed record ThunkCheckpointV2(long Version, long NextId, long Tickets, IReadOnlyList<StoredThunkV1> Thunks, IReadOnlyList<StoredTreeV1> Trees,
    IReadOnlyList<StoredQueuedActionV1> Queue, string Incarnation, long StoreVersion, JsonElement? StoreState) : IStored;

/// <summary>A live thunk, in registration order.</summary>
internal sealed record StoredThunkV1(string Id, string? ParentId, string RootId, string SourcePath, ThunkStatus Status, string? Error, DateTimeOffset RegisteredAt);

/// <summary>
/// A live tree and its lock; for a waiting tree, <c>StartRequester</c> is who asked to start its root, to be told when
/// it gets the lock (absent in older checkpoints).
/// </summary>
internal sealed record StoredTreeV1(string RootId, int Priority, IReadOnlyList<string>? Keys, TimeSpan Timeout, string Lock, long WaitTicket, string? StartRequester = null);

/// <summary>An action waiting for a lock, in arrival order.</summary>
internal sealed record StoredQueuedActionV1(StoredActionV1 Action, string? ThunkId, string? TreeRootId, string SenderPath, bool Acknowledge);
