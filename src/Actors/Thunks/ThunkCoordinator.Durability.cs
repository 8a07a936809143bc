using Actors.Common;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

// Durability (opt-in, ThunkDurability): after a message that changed the durable state, a checkpoint
// goes to the journal (once it has finished with the last one: the changes made meanwhile go together),
// with the store's committed state; a new coordinator resumes from the
// last one: the store gets its committed state back, the version keeps counting, trees of an earlier
// incarnation of the actor system (or whose sources are gone) are failed at once, releasing their locks,
// and the waiting actions of live sources are applied in their order.
public sealed partial class ThunkCoordinator
{
    private readonly ThunkDurability? _durability;
    private readonly HashSet<Type> _unstorable = [];
    private IActorRef? _journal;

    /// <summary>Something durable changed since the last checkpoint.</summary>
    private bool _dirty;

    /// <summary>A checkpoint went to the journal and its save has not ended: the next waits (<see cref="Checkpoint"/>).</summary>
    private bool _checkpointSaving;

    /// <summary>The newest checkpoint sent to the journal, and the newest it has stored (the same object once all is stored).</summary>
    private IStored? _lastSent, _lastStored;

    /// <summary>Whether everything durable is stored: what a restart, or a move to another node, would resume from is this state.</summary>
    private bool AllStored => !_dirty && ReferenceEquals(_lastSent, _lastStored);

    /// <summary>The store's committed state and its version, as it last reported them (checkpointed with the trees).</summary>
    private (long Version, object? State) _store;

    /// <summary>
    /// Trees that ended but whose end the store has not yet committed, as stored: a checkpoint keeps them as
    /// live, so that after a crash they are failed, consistent with a store state that lacks their actions.
    /// </summary>
    private readonly Dictionary<string, (StoredTreeV1 Tree, List<StoredThunkV1> Thunks)> _awaitingCommit = new(StringComparer.Ordinal);

    /// <summary>Starts the journal and waits (stashing everything) for its last checkpoint.</summary>
    private void StartJournal()
    {
        if (_durability is null)
        {
            return;
        }

        _journal = Context.ActorOf(CheckpointJournal.Props("actors-thunks", reportSaves: true), "journal");
        Common.Recovery.Begin(Context, this, Recover);
    }

    private bool Recover(object message)
    {
        switch (message)
        {
            case CheckpointRecovered { Checkpoint: ThunkCheckpointV2 checkpoint }:
                ResolveSources(checkpoint);
                return true;
            case CheckpointRecovered { Checkpoint: ThunkCheckpointV1 old }:
                ResolveSources(old.Upgraded());
                return true;
            case CheckpointRecovered:
                SendHandOvers();
                _handler.Tell(new RestoreStore(0, null)); // nothing stored: the store serves its initial state
                Common.Recovery.End(Context, this);
                return true;
            case SourcesResolved resolved:
                Restore(resolved.Checkpoint, resolved.Sources);
                Common.Recovery.End(Context, this);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Finds which sources (and senders of waiting actions) are still alive: the very actors (same uid), in
    /// this incarnation of the actor system. Every source of an earlier incarnation is gone, even where an
    /// actor of the same path lives again.
    /// </summary>
    private void ResolveSources(ThunkCheckpointV2 checkpoint)
    {
        var paths = checkpoint.Thunks.Select(t => t.SourcePath).Concat(checkpoint.Queue.Select(q => q.SenderPath)).Distinct().ToList();
        var selection = Context.System;
        // In a cluster the coordinator moves between nodes: a source on a node that lives on is the very actor its path
        // (with that node's address and the actor's uid) resolves to; one of the old coordinator's node is gone with it.
        var sameIncarnation = checkpoint.Incarnation == Incarnation.Of(Context.System) || Placement.IsCluster(Context.System);
        Task.WhenAll(paths.Select(async path =>
            {
                if (!sameIncarnation)
                {
                    return (path, null);
                }

                try
                {
                    var found = await selection.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(3));
                    return (path, PathOf(found) == path ? found : null);
                }
                catch (Exception)
                {
                    // Not found, timed out, or a path that no longer parses: whatever the fault, the source cannot be
                    // reached, so it counts as gone (recovery must end, or every message would wait in the stash forever).
                    return (path, (IActorRef?)null);
                }
            }))
            .ContinueWith(all => new SourcesResolved(checkpoint, all.IsCompletedSuccessfully
                ? all.Result.ToDictionary(p => p.path, p => p.Item2)
                : paths.ToDictionary(path => path, _ => (IActorRef?)null)), TaskScheduler.Default)
            .PipeTo(Self);
    }

    /// <summary>Rebuilds the table, locks and queue from a checkpoint, then settles what the restart changed.</summary>
    private void Restore(ThunkCheckpointV2 checkpoint, IReadOnlyDictionary<string, IActorRef?> sources)
    {
        // The store first: nothing reaches it before its committed state is back.
        var state = _durability!.RestoreState(checkpoint.StoreState);
        _store = (checkpoint.StoreVersion, state);
        SendHandOvers();
        _handler.Tell(new RestoreStore(checkpoint.StoreVersion, state));

        _version = checkpoint.Version;
        _nextId = checkpoint.NextId;
        _tickets = checkpoint.Tickets;
        var trees = checkpoint.Trees.ToDictionary(t => t.RootId, t => new ThunkTree(t.RootId, t.Priority, t.Keys?.ToHashSet(StringComparer.Ordinal), t.Timeout));
        var gone = new List<Thunk>();

        // A tree that held its lock under another incarnation (on a cluster: the coordinator's previous node) had its
        // uncommitted actions applied in that node's store, which is gone: it must fail even if its source lives on.
        var heldElsewhere = checkpoint.Incarnation == Incarnation.Of(Context.System)
            ? []
            : checkpoint.Trees.Where(t => t.Lock == nameof(TreeLock.Held)).Select(t => t.RootId).ToHashSet(StringComparer.Ordinal);
        var lostApplied = new List<Thunk>();
        foreach (var stored in checkpoint.Thunks)
        {
            var tree = trees[stored.RootId];
            var source = sources.GetValueOrDefault(stored.SourcePath) ?? Context.System.DeadLetters;
            var thunk = new Thunk(stored.Id, stored.ParentId is null ? null : _thunks[stored.ParentId], tree, source, stored.RegisteredAt)
            {
                Status = stored.Status,
                Error = stored.Error,
            };
            _thunks.Add(thunk.Id, thunk);
            tree.Thunks.Add(thunk);
            if (thunk.Parent is { } parent)
            {
                (parent.Children ??= []).Add(thunk.Id);
            }

            if (!thunk.IsFinished)
            {
                tree.Unfinished++;
                if (source.Equals(Context.System.DeadLetters))
                {
                    gone.Add(thunk);
                }
                else
                {
                    Track(source, +1);
                    if (heldElsewhere.Contains(stored.RootId))
                    {
                        lostApplied.Add(thunk);
                    }
                }
            }
        }

        foreach (var stored in checkpoint.Trees)
        {
            var tree = trees[stored.RootId];
            if (stored.Lock == nameof(TreeLock.Held))
            {
                tree.Lock = TreeLock.Held;
                _held.Add(tree);
                ThunkTelemetry.Active.Add(1, _systemTag);
                Timers.StartSingleTimer(tree.RootId, new TreeTimedOut(tree.RootId), tree.Timeout);
            }
            else if (stored.Lock == nameof(TreeLock.Waiting))
            {
                tree.Lock = TreeLock.Waiting;
                tree.WaitTicket = stored.WaitTicket;
                // On a cluster the asker may live on another node and still wait (a moved coordinator tells it when the
                // tree gets its lock); after a restart of this process it is gone, and telling it costs a dead letter.
                tree.StartRequester = stored.StartRequester is { } requester ? ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(requester) : null;
                _waiting.Add(tree);
                ThunkTelemetry.Waiting.Add(1, _systemTag);
            }
        }

        var lost = 0;
        foreach (var stored in checkpoint.Queue)
        {
            var sender = sources.GetValueOrDefault(stored.SenderPath);
            var action = _durability!.Restore(stored.Action);
            if (sender is null || action is null)
            {
                lost++;
                continue;
            }

            _queue.Add(new QueuedAction(new DispatchThunkAction(action, stored.ThunkId, stored.Acknowledge), stored.TreeRootId is null ? null : trees[stored.TreeRootId], sender));
        }

        _log.Info("Thunk coordinator restored at version {0} (store version {1}): {2} thunks, {3} waiting actions; failing {4} thunks whose source is gone{5}",
            _version, checkpoint.StoreVersion, _thunks.Count, _queue.Count, gone.Count, checkpoint.Incarnation == Incarnation.Of(Context.System) ? "" : " (an earlier incarnation's)");
        if (lost > 0)
        {
            Publish(new ThunkActionsDropped(NextVersion(), lost, "their sender is gone after a restart (or their type is no longer registered)"));
        }

        foreach (var thunk in gone)
        {
            End(thunk, "its source is gone after a restart");
        }

        foreach (var thunk in lostApplied)
        {
            End(thunk, "its tree held its lock when the coordinator moved, and the actions it had applied were lost with the old store");
        }

        foreach (var tree in trees.Values.ToList())
        {
            ReleaseIfEnded(tree);
        }

        Reconcile();
        Checkpoint();
    }

    /// <summary>
    /// Sends the journal the durable state, if anything durable changed and the journal has finished with the
    /// last one (or <paramref name="now"/>). A checkpoint holds every live thunk, so one per change would make a
    /// tree's cost grow with the square of its size; changes made while one is saved go out together in the next.
    /// </summary>
    private void Checkpoint(bool now = false)
    {
        if (_journal is null || !_dirty || (_checkpointSaving && !now))
        {
            return;
        }

        _checkpointSaving = true;

        _dirty = false;
        var trees = _thunks.Values.Select(t => t.Tree).Distinct().ToList();
        var awaiting = _awaitingCommit.Values;
        var queue = new List<StoredQueuedActionV1>(_queue.Count);
        foreach (var queued in _queue)
        {
            if (_durability!.Store(queued.Dispatch.Action) is { } stored)
            {
                queue.Add(new StoredQueuedActionV1(stored, queued.Dispatch.ThunkId, queued.Tree?.RootId, PathOf(queued.Sender), queued.Dispatch.Acknowledge));
            }
            else if (_unstorable.Add(queued.Dispatch.Action.GetType()))
            {
                _log.Warning("Waiting actions of type {0} are not checkpointed: register the type in ThunkDurability.ActionTypes", queued.Dispatch.Action.GetType().FullName);
            }
        }

        _journal.Tell(_lastSent = new ThunkCheckpointV2(
            _version,
            _nextId,
            _tickets,
            awaiting.SelectMany(a => a.Thunks).Concat(trees.SelectMany(tree => tree.Thunks).Select(Stored)).ToList(),
            awaiting.Select(a => a.Tree).Concat(trees.Select(Stored)).ToList(),
            queue,
            Incarnation.Of(Context.System),
            _store.Version,
            _durability!.StoreState(_store.State)));
    }

    /// <summary>The journal has saved (or failed to save) the last checkpoint: the changes since go out now.</summary>
    private void OnCheckpointSaveEnded()
    {
        _checkpointSaving = false;
        Checkpoint();
    }

    /// <summary>Answers <see cref="CheckpointsSaved"/> once the checkpoints so far are stored (the hand-over of a moving coordinator).</summary>
    private void ConfirmSaved()
    {
        if (_journal is null)
        {
            Sender.Tell(CheckpointsSaved.All);
            return;
        }

        Checkpoint(now: true);
        _journal.Forward(ConfirmWhenSaved.Instance);
    }

    /// <summary>Keeps an ended tree in the checkpoints until the store has committed its end.</summary>
    private void AwaitCommit(ThunkTree tree)
    {
        if (_journal is not null)
        {
            _awaitingCommit[tree.RootId] = (Stored(tree) with { Lock = nameof(TreeLock.Held) }, tree.Thunks.Select(Stored).ToList());
        }
    }

    /// <summary>The store committed a tree's end: its state goes into the next checkpoint, and the tree leaves it.</summary>
    private void OnCommitted(StoreCommitted committed)
    {
        if (_journal is null)
        {
            return;
        }

        _awaitingCommit.Remove(committed.RootId);
        _store = (committed.Version, committed.State);
        _dirty = true;
    }

    private static StoredThunkV1 Stored(Thunk thunk) =>
        new(thunk.Id, thunk.Parent?.Id, thunk.Tree.RootId, PathOf(thunk.Source), thunk.Status, thunk.Error, thunk.RegisteredAt);

    private static StoredTreeV1 Stored(ThunkTree tree) => new(tree.RootId, tree.Priority, tree.Keys?.ToList(), tree.Timeout, tree.Lock.ToString(), tree.WaitTicket,
        tree.StartRequester is null ? null : PathOf(tree.StartRequester));

    /// <summary>
    /// An actor's path with its uid, and with its node's address when remoting is on (a local actor's too): on a
    /// cluster the coordinator moves, and a path must name the same actor from any node.
    /// </summary>
    private static string PathOf(IActorRef actor) => Akka.Serialization.Serialization.SerializedActorPath(actor);

    /// <summary>The checkpoint and which of its paths still lead to a live actor.</summary>
    private sealed record SourcesResolved(ThunkCheckpointV2 Checkpoint, IReadOnlyDictionary<string, IActorRef?> Sources);
}
