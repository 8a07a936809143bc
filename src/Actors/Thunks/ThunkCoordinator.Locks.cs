using Actors.Common;
using System.Diagnostics;
using Akka.Event;
using Debug = System.Diagnostics.Debug;
using Akka.Actor;

namespace Actors.Thunks;

// Locks and the action queue: which trees hold locks, which wait, and which actions may pass.
public sealed partial class ThunkCoordinator
{
    /// <summary>Trees holding a lock now (pairwise disjoint keys; a keyless one alone).</summary>
    private readonly List<ThunkTree> _held = [];

    /// <summary>Trees whose root asked to start, in the order they get a lock.</summary>
    private readonly SortedSet<ThunkTree> _waiting = new(WaitingOrder.Instance);

    /// <summary>Actions waiting for a lock, in arrival order.</summary>
    private readonly List<QueuedAction> _queue = [];

    private readonly LockMetrics _metrics = new();

    /// <summary>The tag of this coordinator's measurements: its actor system's name.</summary>
    private readonly KeyValuePair<string, object?> _systemTag = ThunkTelemetry.System(Context.System.Name);

    /// <summary>At most this many actions go in one batch: its array stays off the large object heap (whose collections cost far more).</summary>
    private const int MaxHandOverBatch = 1_000;

    /// <summary>Actions let through and not yet sent to a handler that takes batches; null when it takes them one at a time.</summary>
    private readonly List<HandedOverAction>? _handOvers;

    /// <summary>The thunk that dispatched last (a cache in front of the table for the hot path).</summary>
    private Thunk? _lastDispatcher;

    /// <summary>Orders lock requests of one priority.</summary>
    private long _tickets;

    private void OnDispatch(DispatchThunkAction dispatch)
    {
        if (dispatch.Action is null)
        {
            Refuse(dispatch, Sender, "A null action cannot be dispatched.");
            return;
        }

        if (dispatch.ThunkId is null)
        {
            Pass(dispatch, null, Sender);
            return;
        }

        // Successive actions nearly always come from one thunk: skip the lookup for it. A finished (or
        // replaced) thunk falls through to the table, which has the final say.
        var thunk = _lastDispatcher is { IsFinished: false } last && string.Equals(last.Id, dispatch.ThunkId, StringComparison.Ordinal)
            ? last
            : _thunks.GetValueOrDefault(dispatch.ThunkId);
        if (thunk is null || thunk.IsFinished)
        {
            var why = thunk is not null ? thunk.Status.ToString().ToLowerInvariant()
                : _ended.TryGetValue(dispatch.ThunkId, out var ended) ? ended : "unknown";
            Refuse(dispatch, Sender, $"Thunk '{dispatch.ThunkId}' cannot dispatch: it is {why}.");
            return;
        }

        _lastDispatcher = thunk;
        Pass(dispatch, thunk.Tree, Sender);
    }

    /// <summary>Hands the action to the handler if it may pass now, else queues it.</summary>
    private void Pass(DispatchThunkAction dispatch, ThunkTree? tree, IActorRef sender)
    {
        if (MayPass(tree))
        {
            HandOver(dispatch, tree, sender);
        }
        else
        {
            _queue.Add(new QueuedAction(dispatch, tree, sender));
            _dirty = true;
        }
    }

    /// <summary>
    /// Gives the handler an action; a child thunk's with its tree's root, so a transactional handler can commit
    /// or undo it with the tree (a root's own actions name their root already: no copy on the common path).
    /// </summary>
    private void HandOver(DispatchThunkAction dispatch, ThunkTree? tree, IActorRef sender)
    {
        var handed = tree is null || string.Equals(dispatch.ThunkId, tree.RootId, StringComparison.Ordinal) ? dispatch : dispatch with { RootId = tree.RootId };
        if (_handOvers is null)
        {
            ThunkTelemetry.Actions.Add(1, _systemTag);
            _handler.Tell(handed, sender);
            return;
        }

        // Group hand-off: what passes until the flush (told to itself, so after everything already in the mailbox)
        // goes to the store as one message, which halves the messages per action under load.
        _handOvers.Add(new HandedOverAction(handed, sender));
        if (_handOvers.Count == 1)
        {
            Self.Tell(FlushHandOvers.Instance);
        }
        else if (_handOvers.Count == MaxHandOverBatch)
        {
            SendHandOvers(); // the marker then finds fewer, or none
        }
    }

    /// <summary>Sends the actions gathered for the handler: before anything else the handler is told, so its order is the coordinator's.</summary>
    private void SendHandOvers()
    {
        if (_handOvers is not { Count: > 0 })
        {
            return;
        }

        ThunkTelemetry.Actions.Add(_handOvers.Count, _systemTag);
        if (_handOvers is [var one])
        {
            _handler.Tell(one.Dispatch, one.Sender);
        }
        else
        {
            _handler.Tell(new HandedOverActions([.. _handOvers]));
        }

        _handOvers.Clear();
    }

    /// <summary>A tree's action passes while the tree holds its lock; a plain action while no tree does.</summary>
    private bool MayPass(ThunkTree? tree) => tree is null ? _held.Count == 0 : tree.Lock == TreeLock.Held;

    private void RequestLock(ThunkTree tree, IActorRef requester)
    {
        tree.Lock = TreeLock.Waiting;
        tree.WaitTicket = ++_tickets;
        tree.StartRequester = requester;
        tree.WaitStartedAt = Stopwatch.GetTimestamp();
        _waiting.Add(tree);
        ThunkTelemetry.Waiting.Add(1, _systemTag);
        _dirty = true; // no event (no version), but a waiting tree is durable state: its place in line and who waits
        Reconcile();
    }

    /// <summary>Lets queued actions pass that now may, then grants the locks that now can be.</summary>
    private void Reconcile()
    {
        PassQueued();
        var granted = Grantable();
        foreach (var tree in granted)
        {
            Acquire(tree);
        }

        if (granted.Count > 0)
        {
            PassQueued();
        }
    }

    /// <summary>
    /// Waiting trees that may take their lock now, best first. A tree never overtakes a better-placed
    /// waiting tree whose keys it shares, so that one is not starved.
    /// </summary>
    private List<ThunkTree> Grantable()
    {
        var granted = new List<ThunkTree>();
        var passedOver = new List<ThunkTree>();
        foreach (var tree in _waiting)
        {
            if (_held.Concat(granted).Concat(passedOver).Any(tree.Overlaps))
            {
                passedOver.Add(tree);
                if (tree.Keys is null)
                {
                    break;
                }
            }
            else
            {
                granted.Add(tree);
            }
        }

        return granted;
    }

    private void Acquire(ThunkTree tree)
    {
        _waiting.Remove(tree);
        tree.Lock = TreeLock.Held;
        tree.LockAcquiredAt = Stopwatch.GetTimestamp();
        _held.Add(tree);
        var waited = Stopwatch.GetElapsedTime(tree.WaitStartedAt);
        _metrics.RecordWait(waited);
        ThunkTelemetry.Waiting.Add(-1, _systemTag);
        ThunkTelemetry.Active.Add(1, _systemTag);
        if (ThunkTelemetry.LockWait.Enabled)
        {
            ThunkTelemetry.LockWait.Record(waited.TotalSeconds, _systemTag);
        }

        // The deadline is armed before anyone hears of the start: whoever hears it can count on the timeout running.
        Timers.StartSingleTimer(tree.RootId, new TreeTimedOut(tree.RootId), tree.Timeout);
        Publish(new RootThunkChanged(NextVersion(), tree.RootId));
        var started = MarkStarted(_thunks[tree.RootId]);
        tree.StartRequester?.Tell(started);
        tree.StartRequester = null;
    }

    /// <summary>If every thunk of the tree has ended: releases its lock, forgets it, and lets others go.</summary>
    private void ReleaseIfEnded(ThunkTree tree)
    {
        if (tree.Unfinished > 0)
        {
            return;
        }

        if (tree.Lock == TreeLock.Held)
        {
            _held.Remove(tree);
            Timers.Cancel(tree.RootId);
            var held = Stopwatch.GetElapsedTime(tree.LockAcquiredAt);
            _metrics.RecordHold(held);
            // Before anything that follows the tree reaches the handler: it commits (or undoes) the tree's actions first.
            var completed = _thunks.TryGetValue(tree.RootId, out var root) && root.Status == ThunkStatus.Completed;
            RecordEnd(completed, held);
            SendHandOvers();
            _handler.Tell(new ThunkTreeEnded(tree.RootId, completed));
            AwaitCommit(tree);
            Publish(new RootThunkCompleted(NextVersion(), tree.RootId));
        }
        else if (tree.Lock == TreeLock.Waiting)
        {
            _waiting.Remove(tree);
            ThunkTelemetry.Waiting.Add(-1, _systemTag);
            ThunkTelemetry.Ended.Add(1, _systemTag, new KeyValuePair<string, object?>("outcome", "failed"));
            tree.StartRequester?.Tell(new ThunkCommandRejected(new StartThunk(tree.RootId), $"Thunk '{tree.RootId}' ended while waiting for its lock."));
        }

        tree.Lock = TreeLock.None;
        foreach (var thunk in tree.Thunks)
        {
            _thunks.Remove(thunk.Id);
            Remember(thunk);
        }

        DropQueued(action => action.Tree == tree, $"tree '{tree.RootId}' ended before they could apply");
        Reconcile();
    }

    private void RecordEnd(bool completed, TimeSpan held)
    {
        ThunkTelemetry.Active.Add(-1, _systemTag);
        ThunkTelemetry.Ended.Add(1, _systemTag, new KeyValuePair<string, object?>("outcome", completed ? "completed" : "failed"));
        if (ThunkTelemetry.LockHold.Enabled)
        {
            ThunkTelemetry.LockHold.Record(held.TotalSeconds, _systemTag);
        }
    }

    private void OnTimedOut(string rootId)
    {
        if (!_thunks.TryGetValue(rootId, out var root) || root.Tree.Lock != TreeLock.Held)
        {
            return;
        }

        var reason = $"its tree timed out after {root.Tree.Timeout}";
        _log.Warning("Thunk tree {0} held its lock longer than {1}; failing it and releasing the lock", rootId, root.Tree.Timeout);
        foreach (var thunk in root.Tree.Thunks.Where(t => !t.IsFinished))
        {
            End(thunk, reason);
        }

        ReleaseIfEnded(root.Tree);
    }

    private void PassQueued()
    {
        var passed = 0;
        foreach (var queued in _queue)
        {
            if (MayPass(queued.Tree))
            {
                HandOver(queued.Dispatch, queued.Tree, queued.Sender);
                passed++;
            }
        }

        if (passed > 0)
        {
            _queue.RemoveAll(queued => MayPass(queued.Tree));
            _dirty = true;
        }
    }

    private void DropQueued(Predicate<QueuedAction> which, string reason)
    {
        var dropped = _queue.FindAll(which);
        if (dropped.Count == 0)
        {
            return;
        }

        _queue.RemoveAll(which);
        Publish(new ThunkActionsDropped(NextVersion(), dropped.Count, reason));
        foreach (var action in dropped)
        {
            Refuse(action.Dispatch, action.Sender, $"Dropped: {reason}.");
        }
    }

    private void Refuse(DispatchThunkAction dispatch, IActorRef sender, string reason) =>
        sender.TellOrLog(new ThunkActionRefused(dispatch.Action, reason), _log, reason);

    private void Remember(Thunk thunk)
    {
        if (_settings.RememberEnded == 0)
        {
            return;
        }

        _ended[thunk.Id] = thunk.Status == ThunkStatus.Completed ? "completed" : $"failed ({thunk.Error})";
        _endedOrder.Enqueue(thunk.Id);
        while (_endedOrder.Count > _settings.RememberEnded)
        {
            _ended.Remove(_endedOrder.Dequeue());
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        for (var i = 0; i < _held.Count; i++)
        {
            for (var j = i + 1; j < _held.Count; j++)
            {
                Debug.Assert(!_held[i].Overlaps(_held[j]), $"Trees {_held[i].RootId} and {_held[j].RootId} hold overlapping locks.");
            }
        }

        Debug.Assert(_held.Count > 0 || _queue.TrueForAll(q => q.Tree is not null), "A plain action waits while no lock is held.");
    }

    /// <summary>Lock wait and hold times.</summary>
    private sealed class LockMetrics
    {
        private long _treesCompleted;
        private TimeSpan _totalWait;
        private TimeSpan _maxWait;
        private TimeSpan _totalHold;
        private TimeSpan _maxHold;

        public void RecordWait(TimeSpan wait)
        {
            _totalWait += wait;
            _maxWait = wait > _maxWait ? wait : _maxWait;
        }

        public void RecordHold(TimeSpan hold)
        {
            _treesCompleted++;
            _totalHold += hold;
            _maxHold = hold > _maxHold ? hold : _maxHold;
        }

        public ThunkMetrics Snapshot() => new(_treesCompleted, _totalWait, _maxWait, _totalHold, _maxHold);
    }
}
