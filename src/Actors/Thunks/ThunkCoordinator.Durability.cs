using Actors.Persistence;
using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

// Durability (opt-in, ThunkDurability): after every message that changed the durable state, a
// checkpoint goes to the journal; a new coordinator resumes from the last one: the version keeps
// counting, trees whose sources are gone are failed (releasing their locks), and the waiting actions of
// live sources are applied in their order.
public sealed partial class ThunkCoordinator
{
    private readonly ThunkDurability? _durability;
    private readonly HashSet<Type> _unstorable = [];
    private IActorRef? _journal;

    /// <summary>Something durable changed since the last checkpoint.</summary>
    private bool _dirty;

    /// <summary>Starts the journal and waits (stashing everything) for its last checkpoint.</summary>
    private void StartJournal()
    {
        if (_durability is null)
        {
            return;
        }

        _journal = Context.ActorOf(CheckpointJournal.Props("actors-thunks"), "journal");
        Context.Become(Recovering);
    }

    private void Recovering(object message)
    {
        switch (message)
        {
            case CheckpointRecovered { Checkpoint: ThunkCheckpointV1 checkpoint }:
                ResolveSources(checkpoint);
                break;
            case CheckpointRecovered:
                Resume();
                break;
            case SourcesResolved resolved:
                Restore(resolved.Checkpoint, resolved.Sources);
                Resume();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private void Resume()
    {
        Context.UnbecomeStacked();
        Stash.UnstashAll();
    }

    /// <summary>Finds which sources (and senders of waiting actions) are still alive.</summary>
    private void ResolveSources(ThunkCheckpointV1 checkpoint)
    {
        var paths = checkpoint.Thunks.Select(t => t.SourcePath).Concat(checkpoint.Queue.Select(q => q.SenderPath)).Distinct().ToList();
        var selection = Context.System;
        Task.WhenAll(paths.Select(async path =>
            {
                try
                {
                    return (path, (IActorRef?)await selection.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(3)));
                }
                catch (ActorNotFoundException)
                {
                    return (path, null);
                }
            }))
            .ContinueWith(all => new SourcesResolved(checkpoint, all.Result.ToDictionary(p => p.path, p => p.Item2)), TaskScheduler.Default)
            .PipeTo(Self);
    }

    /// <summary>Rebuilds the table, locks and queue from a checkpoint, then settles what the restart changed.</summary>
    private void Restore(ThunkCheckpointV1 checkpoint, IReadOnlyDictionary<string, IActorRef?> sources)
    {
        _version = checkpoint.Version;
        _nextId = checkpoint.NextId;
        _tickets = checkpoint.Tickets;
        var trees = checkpoint.Trees.ToDictionary(t => t.RootId, t => new ThunkTree(t.RootId, t.Priority, t.Keys?.ToHashSet(StringComparer.Ordinal), t.Timeout));
        var gone = new List<Thunk>();
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
                Timers.StartSingleTimer(tree.RootId, new TreeTimedOut(tree.RootId), tree.Timeout);
            }
            else if (stored.Lock == nameof(TreeLock.Waiting))
            {
                tree.Lock = TreeLock.Waiting;
                tree.WaitTicket = stored.WaitTicket;
                _waiting.Add(tree);
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

        _log.Info("Thunk coordinator restored at version {0}: {1} thunks, {2} waiting actions; failing {3} thunks whose source is gone",
            _version, _thunks.Count, _queue.Count, gone.Count);
        if (lost > 0)
        {
            Publish(new ThunkActionsDropped(NextVersion(), lost, "their sender is gone after a restart (or their type is no longer registered)"));
        }

        foreach (var thunk in gone)
        {
            End(thunk, "its source is gone after a restart");
        }

        foreach (var tree in trees.Values.ToList())
        {
            ReleaseIfEnded(tree);
        }

        Reconcile();
        Checkpoint();
    }

    /// <summary>Sends the journal the durable state, if anything durable changed.</summary>
    private void Checkpoint()
    {
        if (_journal is null || !_dirty)
        {
            return;
        }

        _dirty = false;
        var trees = _thunks.Values.Select(t => t.Tree).Distinct().ToList();
        var queue = new List<StoredQueuedActionV1>(_queue.Count);
        foreach (var queued in _queue)
        {
            if (_durability!.Store(queued.Dispatch.Action) is { } stored)
            {
                queue.Add(new StoredQueuedActionV1(stored, queued.Dispatch.ThunkId, queued.Tree?.RootId, queued.Sender.Path.ToSerializationFormat(), queued.Dispatch.Acknowledge));
            }
            else if (_unstorable.Add(queued.Dispatch.Action.GetType()))
            {
                _log.Warning("Waiting actions of type {0} are not checkpointed: register the type in ThunkDurability.ActionTypes", queued.Dispatch.Action.GetType().FullName);
            }
        }

        _journal.Tell(new ThunkCheckpointV1(
            _version,
            _nextId,
            _tickets,
            trees.SelectMany(tree => tree.Thunks).Select(t => new StoredThunkV1(t.Id, t.Parent?.Id, t.Tree.RootId, t.Source.Path.ToSerializationFormat(), t.Status, t.Error, t.RegisteredAt)).ToList(),
            trees.Select(t => new StoredTreeV1(t.RootId, t.Priority, t.Keys?.ToList(), t.Timeout, t.Lock.ToString(), t.WaitTicket)).ToList(),
            queue));
    }

    /// <summary>The checkpoint and which of its paths still lead to a live actor.</summary>
    private sealed record SourcesResolved(ThunkCheckpointV1 Checkpoint, IReadOnlyDictionary<string, IActorRef?> Sources);
}
