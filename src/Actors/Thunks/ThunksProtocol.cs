using Akka.Actor;

namespace Actors.Thunks;

// The public protocol of the ThunkCoordinator. A thunk is a unit of async work that dispatches actions
// and may spawn child thunks; a root thunk and its descendants form a tree. While a tree holds the lock,
// only its actions reach the action handler, so its actions apply atomically with respect to other trees.

/// <summary>A command the <c>ThunkCoordinator</c> accepts.</summary>
public interface IThunkCommand;

/// <summary>
/// Registers a thunk. The sender is its <em>source</em>: the coordinator watches it, and if it terminates
/// its thunks fail, its lock is released and its waiting actions are dropped. Replies
/// <see cref="ThunkRegistered"/> or <see cref="ThunkCommandRejected"/>.
/// </summary>
/// <param name="Id">The thunk's id, or null for a generated one.</param>
/// <param name="ParentId">The parent thunk, or null for a root thunk.</param>
/// <param name="Priority">For a root: waiting trees with a higher priority get the lock first (FIFO within one).</param>
/// <param name="Keys">
/// For a root: the keys of the state its tree touches. Trees with disjoint keys hold their locks at the same
/// time; null or empty locks everything (the seed's behaviour).
/// </param>
/// <param name="Timeout">For a root: how long its tree may hold the lock before it is failed; null for the default.</param>
/// <param name="Source">The client actor the thunk belongs to; null for the sender (use it with Ask, whose sender is temporary).</param>
public sealed record RegisterThunk(
    string? Id = null,
    string? ParentId = null,
    int Priority = 0,
    IReadOnlySet<string>? Keys = null,
    TimeSpan? Timeout = null,
    IActorRef? Source = null) : IThunkCommand, IThunkWireMessage;

/// <summary>
/// Starts a registered thunk. A root waits for its lock, then starts; a child starts at once (its tree
/// holds the lock). Replies <see cref="ThunkStarted"/> when it is executing, or <see cref="ThunkCommandRejected"/>.
/// </summary>
/// <param name="Id">The thunk.</param>
public sealed record StartThunk(string Id) : IThunkCommand, IThunkWireMessage;

/// <summary>Marks an executing thunk completed. Replies <see cref="ThunkCompleted"/> or <see cref="ThunkCommandRejected"/>.</summary>
/// <param name="Id">The thunk.</param>
public sealed record CompleteThunk(string Id) : IThunkCommand, IThunkWireMessage;

/// <summary>Marks a pending or executing thunk failed. Replies <see cref="ThunkFailed"/> or <see cref="ThunkCommandRejected"/>.</summary>
/// <param name="Id">The thunk.</param>
/// <param name="Error">What went wrong.</param>
public sealed record FailThunk(string Id, string Error) : IThunkCommand, IThunkWireMessage;

/// <summary>
/// Dispatches an action. With <paramref name="ThunkId"/>, it belongs to that thunk's tree: it applies at once
/// if the tree holds the lock, else it waits. Without, it is a plain action: it applies only while no tree
/// holds a lock. Waiting actions apply in arrival order. Refused (with <see cref="ThunkActionRefused"/>) for
/// an unknown or finished thunk, or a tree that timed out.
/// </summary>
/// <param name="Action">The action for the action handler.</param>
/// <param name="ThunkId">The dispatching thunk, or null for a plain action.</param>
/// <param name="Acknowledge">Reply <see cref="ThunkActionApplied"/> once the handler has applied it.</param>
/// <param name="RootId">Set by the coordinator when it hands a child thunk's action to the handler: the tree's root. A handler
/// takes <c>RootId ?? ThunkId</c> as the action's tree (see <see cref="ThunkTreeEnded"/>); with neither, it is a plain action.</param>
public sealed record DispatchThunkAction(object Action, string? ThunkId = null, bool Acknowledge = false, string? RootId = null) : IThunkCommand, IThunkWireMessage;

/// <summary>Asks for the coordinator's state. Replies <see cref="ThunkSummary"/>.</summary>
public sealed record GetThunkSummary : IThunkCommand, IThunkWireMessage
{
    /// <summary>The single instance.</summary>
    public static readonly GetThunkSummary Instance = new();

    private GetThunkSummary()
    {
    }
}

/// <summary>A thunk's lifecycle state.</summary>
public enum ThunkStatus
{
    /// <summary>Registered, not started (a root may be waiting for its lock).</summary>
    Pending,

    /// <summary>Started and running.</summary>
    Executing,

    /// <summary>Finished successfully.</summary>
    Completed,

    /// <summary>Finished with an error (thrown, timed out, or its source terminated).</summary>
    Failed,
}

/// <summary>One thunk, as the summary shows it.</summary>
/// <param name="Id">The thunk's id.</param>
/// <param name="ParentId">Its parent, or null for a root.</param>
/// <param name="RootId">The root of its tree.</param>
/// <param name="Source">The path of the actor that registered it.</param>
/// <param name="Status">Its lifecycle state.</param>
/// <param name="Children">Its children's ids, in registration order.</param>
/// <param name="RegisteredAt">When it was registered.</param>
/// <param name="StartedAt">When it started executing.</param>
/// <param name="EndedAt">When it completed or failed.</param>
public sealed record ThunkInfo(
    string Id,
    string? ParentId,
    string RootId,
    string Source,
    ThunkStatus Status,
    IReadOnlyList<string> Children,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt);

/// <summary>Lock metrics since the coordinator started.</summary>
/// <param name="TreesCompleted">Trees that released their lock.</param>
/// <param name="TotalLockWait">Summed time from a root's start request to its lock.</param>
/// <param name="MaxLockWait">The longest such wait.</param>
/// <param name="TotalLockHold">Summed time trees held their lock.</param>
/// <param name="MaxLockHold">The longest hold.</param>
public sealed record ThunkMetrics(long TreesCompleted, TimeSpan TotalLockWait, TimeSpan MaxLockWait, TimeSpan TotalLockHold, TimeSpan MaxLockHold);

/// <summary>The reply to <see cref="GetThunkSummary"/>: live trees only (a tree leaves the table when it ends).</summary>
/// <param name="Version">The state version: one more for every state change (every event below).</param>
/// <param name="ActiveRoots">Roots whose trees hold a lock now.</param>
/// <param name="WaitingRoots">Roots waiting for a lock, in the order they will get it if their keys allow.</param>
/// <param name="Thunks">Every thunk of a live tree.</param>
/// <param name="QueuedActions">Actions waiting for a lock.</param>
/// <param name="Metrics">Lock wait and hold times.</param>
/// <param name="Stored">For a durable coordinator: whether all of this is in the journal (a restart, or a move to another node, would resume from exactly this); null otherwise.</param>
public sealed record ThunkSummary(
    long Version,
    IReadOnlyList<string> ActiveRoots,
    IReadOnlyList<string> WaitingRoots,
    IReadOnlyList<ThunkInfo> Thunks,
    int QueuedActions,
    ThunkMetrics Metrics,
    bool? Stored = null) : IThunkWireMessage;

/// <summary>An event of the coordinator: published on the event stream; every one bumps the version by one.</summary>
/// <param name="Version">The state version after the change.</param>
public abstract record ThunkEvent(long Version) : IThunkWireMessage;

/// <summary>A thunk was registered (also the reply to <see cref="RegisterThunk"/>).</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="Id">The thunk's id.</param>
/// <param name="ParentId">Its parent, or null for a root.</param>
/// <param name="RootId">The root of its tree.</param>
public sealed record ThunkRegistered(long Version, string Id, string? ParentId, string RootId) : ThunkEvent(Version);

/// <summary>A thunk started executing (also the reply to <see cref="StartThunk"/>).</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="Id">The thunk's id.</param>
public sealed record ThunkStarted(long Version, string Id) : ThunkEvent(Version);

/// <summary>A thunk completed (also the reply to <see cref="CompleteThunk"/>).</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="Id">The thunk's id.</param>
public sealed record ThunkCompleted(long Version, string Id) : ThunkEvent(Version);

/// <summary>A thunk failed (also the reply to <see cref="FailThunk"/>).</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="Id">The thunk's id.</param>
/// <param name="Error">Why.</param>
public sealed record ThunkFailed(long Version, string Id, string Error) : ThunkEvent(Version);

/// <summary>A root thunk's tree acquired its lock.</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="RootId">The root.</param>
public sealed record RootThunkChanged(long Version, string RootId) : ThunkEvent(Version);

/// <summary>A root thunk and all its descendants ended; its lock is released.</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="RootId">The root.</param>
public sealed record RootThunkCompleted(long Version, string RootId) : ThunkEvent(Version);

/// <summary>Waiting actions were dropped because their source terminated or their tree ended without them.</summary>
/// <param name="Version">The state version after the change.</param>
/// <param name="Count">How many.</param>
/// <param name="Reason">Why.</param>
public sealed record ThunkActionsDropped(long Version, int Count, string Reason) : ThunkEvent(Version);

/// <summary>The coordinator refused a command; its state is unchanged.</summary>
/// <param name="Command">The command.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record ThunkCommandRejected(IThunkCommand Command, string Reason) : IThunkWireMessage;

/// <summary>The action handler applied an action (sent when acknowledgement was asked for).</summary>
/// <param name="StoreVersion">The handler's state version after applying it.</param>
public sealed record ThunkActionApplied(long StoreVersion) : IThunkWireMessage;

/// <summary>An action was refused and will never apply.</summary>
/// <param name="Action">The action.</param>
/// <param name="Reason">Why.</param>
public sealed record ThunkActionRefused(object Action, string Reason) : IThunkWireMessage;

/// <summary>
/// A message of the thunk protocol that may cross nodes (to and from the coordinator and its store, a cluster
/// singleton); <c>ThunkWireSerializer</c> writes all of them (bound in <c>hocon/thunks.conf</c>).
/// </summary>
internal interface IThunkWireMessage;
