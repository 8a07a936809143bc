using Akka.Actor;

namespace Actors.Thunks;

/// <summary>One thunk, as the coordinator keeps it (mutated only by the coordinator).</summary>
internal sealed class Thunk(string id, Thunk? parent, ThunkTree tree, IActorRef source, DateTimeOffset registeredAt)
{
    public string Id { get; } = id;

    public Thunk? Parent { get; } = parent;

    public ThunkTree Tree { get; } = tree;

    public IActorRef Source { get; } = source;

    public ThunkStatus Status { get; set; }

    /// <summary>Children in registration order; allocated with the first child.</summary>
    public List<string>? Children { get; set; }

    public DateTimeOffset RegisteredAt { get; } = registeredAt;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Why it failed, if it did.</summary>
    public string? Error { get; set; }

    public bool IsFinished => Status is ThunkStatus.Completed or ThunkStatus.Failed;

    public ThunkInfo ToInfo() => new(Id, Parent?.Id, Tree.RootId, Source.Path.ToString(), Status,
        Children is null ? [] : Children.ToArray(), RegisteredAt, StartedAt, EndedAt);
}

/// <summary>Where a tree stands with respect to its lock.</summary>
internal enum TreeLock
{
    /// <summary>Its root has not asked to start.</summary>
    None,

    /// <summary>Its root asked to start and waits for the lock.</summary>
    Waiting,

    /// <summary>It holds its lock.</summary>
    Held,
}

/// <summary>A root thunk's tree: its lock request and the count that tells when it has ended.</summary>
internal sealed class ThunkTree(string rootId, int priority, IReadOnlySet<string>? keys, TimeSpan timeout)
{
    public string RootId { get; } = rootId;

    public int Priority { get; } = priority;

    /// <summary>The keys it locks; null locks everything.</summary>
    public IReadOnlySet<string>? Keys { get; } = keys is { Count: > 0 } ? keys : null;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Every thunk of the tree, in registration order.</summary>
    public List<Thunk> Thunks { get; } = [];

    /// <summary>Thunks of the tree not yet completed or failed: the lock is released when it reaches 0.</summary>
    public int Unfinished { get; set; }

    public TreeLock Lock { get; set; }

    /// <summary>Orders waiting trees of one priority: lower asked first.</summary>
    public long WaitTicket { get; set; }

    /// <summary>Who asked to start the root and waits for <see cref="ThunkStarted"/>.</summary>
    public IActorRef? StartRequester { get; set; }

    public long WaitStartedAt { get; set; }

    public long LockAcquiredAt { get; set; }

    public bool Overlaps(ThunkTree other) => Keys is null || other.Keys is null || Keys.Overlaps(other.Keys);
}

/// <summary>An action waiting for its tree's lock (or, for a plain action, for no lock to be held).</summary>
internal sealed record QueuedAction(DispatchThunkAction Dispatch, ThunkTree? Tree, IActorRef Sender);

/// <summary>Orders waiting trees: higher priority first, then first come.</summary>
internal sealed class WaitingOrder : IComparer<ThunkTree>
{
    public static readonly WaitingOrder Instance = new();

    public int Compare(ThunkTree? x, ThunkTree? y)
    {
        var byPriority = y!.Priority.CompareTo(x!.Priority);
        return byPriority != 0 ? byPriority : x.WaitTicket.CompareTo(y.WaitTicket);
    }
}
