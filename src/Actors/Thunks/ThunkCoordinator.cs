using Actors.Common;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

/// <summary>
/// Owns the thunk table, the locks, the queue of waiting actions and the state version, and hands
/// actions to the action handler so that no two trees' actions interleave.
/// </summary>
/// <remarks>
/// <para>Invariants (checked by <see cref="AssertInvariants"/> in debug builds):</para>
/// <list type="bullet">
/// <item>Trees holding a lock have pairwise disjoint key sets; a keyless tree holds it alone.</item>
/// <item>A tree releases its lock only when its root and every descendant are completed or failed.</item>
/// <item>While any tree holds a lock, no plain action reaches the handler; a tree's actions reach it only
/// while the tree holds its lock, in the order they were sent.</item>
/// <item>Every event bumps the version by exactly one.</item>
/// </list>
/// <para>
/// Actions are handed to the handler without waiting for each to be applied: the handler's mailbox keeps
/// the coordinator's order, so this pipelining preserves every guarantee (docs/decisions/0007).
/// </para>
/// </remarks>
public sealed partial class ThunkCoordinator : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly IActorRef _handler;
    private readonly ThunkSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Where events go: this node's event stream, or every node's in a cluster.</summary>
    private readonly Action<object> _publish = ClusterEvents.PublisherFor(Context, EventTopic);

    /// <summary>Thunks of live trees, by id; a tree's thunks leave when it ends.</summary>
    private readonly Dictionary<string, Thunk> _thunks = new(StringComparer.Ordinal);

    /// <summary>Why recently ended thunks ended, so late commands get a precise answer (bounded).</summary>
    private readonly Dictionary<string, string> _ended = new(StringComparer.Ordinal);

    private readonly Queue<string> _endedOrder = new();

    /// <summary>Live thunks per source actor, which the coordinator watches while it has any.</summary>
    private readonly Dictionary<IActorRef, int> _liveBySource = new();

    /// <summary>The state version: one more for every event.</summary>
    private long _version;

    /// <summary>Numbers generated ids.</summary>
    private long _nextId;

    /// <summary>The DistributedPubSub topic of the coordinator's events in a cluster.</summary>
    internal const string EventTopic = "actors-thunk-events";

    /// <summary>Creates a coordinator that hands actions to <paramref name="handler"/>; durable with <paramref name="durability"/>.</summary>
    public ThunkCoordinator(IActorRef handler, ThunkSettings settings, ThunkDurability? durability = null)
    {
        _handler = handler;
        _settings = settings;
        _durability = durability;
        _handOvers = settings.HandlerTakesBatches ? [] : null;
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>The Props of a coordinator (durable with <paramref name="durability"/>).</summary>
    public static Props Props(IActorRef handler, ThunkSettings settings, ThunkDurability? durability = null) =>
        Akka.Actor.Props.Create(() => new ThunkCoordinator(handler, settings, durability));

    /// <summary>The Props of a coordinator in front of the built-in state store, which takes actions in batches.</summary>
    internal static Props ForStateStore(IActorRef store, ThunkSettings settings, ThunkDurability? durability) =>
        Props(store, settings with { HandlerTakesBatches = true }, durability);

    /// <inheritdoc />
    protected override void PreStart() => StartJournal();

    /// <summary>
    /// Actions already let through reach the handler; its trees leave the gauges with it (a restart, whose PreRestart
    /// calls this too, rebuilds them from the journal and counts them again).
    /// </summary>
    protected override void PostStop()
    {
        SendHandOvers();
        ThunkTelemetry.Active.Add(-_held.Count, _systemTag);
        ThunkTelemetry.Waiting.Add(-_waiting.Count, _systemTag);
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DispatchThunkAction dispatch:
                OnDispatch(dispatch);
                break;
            case FlushHandOvers:
                SendHandOvers();
                return;
            case RegisterThunk register:
                Register(register);
                break;
            case StartThunk start:
                Start(start);
                break;
            case CompleteThunk complete:
                Finish(complete, complete.Id, error: null);
                break;
            case FailThunk fail:
                Finish(fail, fail.Id, fail.Error ?? "failed");
                break;
            case GetThunkSummary:
                Sender.Tell(Summary());
                break;
            case TreeTimedOut timedOut:
                OnTimedOut(timedOut.RootId);
                break;
            case Terminated terminated:
                OnSourceTerminated(terminated.ActorRef);
                break;
            case StoreCommitted committed:
                OnCommitted(committed);
                break;
            case ConfirmCheckpointSaved:
                ConfirmSaved();
                return;
            case CheckpointStored stored:
                _lastStored = stored.Checkpoint;
                OnCheckpointSaveEnded();
                return;
            case CheckpointNotStored:
                OnCheckpointSaveEnded();
                return;
            default:
                Unhandled(message);
                return;
        }

        AssertInvariants();
        Checkpoint();
    }

    private void Register(RegisterThunk register)
    {
        var source = register.Source ?? Sender;
        if (RegistrationProblem(register, source) is { } problem)
        {
            Reject(register, problem);
            return;
        }

        var id = register.Id ?? $"thunk-{++_nextId}";
        Thunk? parent = register.ParentId is null ? null : _thunks[register.ParentId];
        var tree = parent?.Tree ?? new ThunkTree(id, register.Priority, register.Keys, register.Timeout ?? _settings.DefaultTimeout);
        var thunk = new Thunk(id, parent, tree, source, DateTimeOffset.UtcNow);
        _thunks.Add(id, thunk);
        tree.Thunks.Add(thunk);
        tree.Unfinished++;
        if (parent is not null)
        {
            (parent.Children ??= []).Add(id);
        }

        Track(source, +1);
        Sender.Tell(Publish(new ThunkRegistered(NextVersion(), id, parent?.Id, tree.RootId)));
    }

    private string? RegistrationProblem(RegisterThunk register, IActorRef source)
    {
        if (source.IsNobody())
        {
            return "A thunk needs a source actor: send RegisterThunk from an actor, or set Source (Ask's sender is temporary).";
        }

        if (register.Id is { } id && (string.IsNullOrWhiteSpace(id) || _thunks.ContainsKey(id) || _ended.ContainsKey(id)))
        {
            return string.IsNullOrWhiteSpace(id) ? "A thunk id must not be blank." : $"A thunk with id '{id}' already exists.";
        }

        if (register.ParentId is null)
        {
            return register.Timeout is { } timeout && timeout <= TimeSpan.Zero ? $"A tree's timeout must be positive; got {timeout}." : null;
        }

        if (register.Priority != 0 || register.Keys is not null || register.Timeout is not null)
        {
            return "Only a root thunk takes a priority, keys or a timeout; a child shares its root's.";
        }

        if (!_thunks.TryGetValue(register.ParentId, out var parent))
        {
            return _ended.TryGetValue(register.ParentId, out var why)
                ? $"Parent thunk '{register.ParentId}' has ended ({why}); it cannot have new children."
                : $"Parent thunk '{register.ParentId}' is unknown.";
        }

        return parent.IsFinished ? $"Parent thunk '{register.ParentId}' has ended ({parent.Status}); it cannot have new children." : null;
    }

    private void Start(StartThunk start)
    {
        if (!TryFind(start, start.Id, out var thunk))
        {
            return;
        }

        if (thunk.Status != ThunkStatus.Pending || thunk.Tree.Lock == TreeLock.Waiting && thunk.Parent is null)
        {
            Reject(start, $"Thunk '{thunk.Id}' is {(thunk.Status == ThunkStatus.Pending ? "already waiting for its lock" : thunk.Status.ToString().ToLowerInvariant())}; only a pending thunk can start.");
            return;
        }

        if (thunk.Parent is null)
        {
            RequestLock(thunk.Tree, Sender);
            return;
        }

        if (thunk.Tree.Lock != TreeLock.Held)
        {
            Reject(start, $"Thunk '{thunk.Id}' cannot start before its root '{thunk.Tree.RootId}' has its lock.");
            return;
        }

        Sender.Tell(MarkStarted(thunk));
    }

    private ThunkStarted MarkStarted(Thunk thunk)
    {
        thunk.Status = ThunkStatus.Executing;
        thunk.StartedAt = DateTimeOffset.UtcNow;
        return Publish(new ThunkStarted(NextVersion(), thunk.Id));
    }

    private void Finish(IThunkCommand command, string id, string? error)
    {
        if (!TryFind(command, id, out var thunk))
        {
            return;
        }

        var problem = (thunk.Status, error) switch
        {
            (ThunkStatus.Pending, null) => $"Thunk '{id}' never started; start it before completing it.",
            (ThunkStatus.Completed or ThunkStatus.Failed, _) => $"Thunk '{id}' has already {thunk.Status.ToString().ToLowerInvariant()}.",
            _ => null,
        };
        if (problem is not null)
        {
            Reject(command, problem);
            return;
        }

        var ended = End(thunk, error);

        // Released first: the handler hears the tree's end before the completer can act on the answer.
        ReleaseIfEnded(thunk.Tree);
        Sender.Tell(ended);
    }

    /// <summary>Completes or fails one thunk (no lock bookkeeping: callers release when its tree ends).</summary>
    private ThunkEvent End(Thunk thunk, string? error)
    {
        thunk.Status = error is null ? ThunkStatus.Completed : ThunkStatus.Failed;
        thunk.Error = error;
        thunk.EndedAt = DateTimeOffset.UtcNow;
        thunk.Tree.Unfinished--;
        Track(thunk.Source, -1);
        return error is null
            ? Publish(new ThunkCompleted(NextVersion(), thunk.Id))
            : Publish(new ThunkFailed(NextVersion(), thunk.Id, error));
    }

    private void OnSourceTerminated(IActorRef source)
    {
        _liveBySource.Remove(source);
        var reason = $"its source {source.Path} terminated";
        var trees = new HashSet<ThunkTree>();
        foreach (var thunk in _thunks.Values.Where(t => t.Source.Equals(source) && !t.IsFinished).ToList())
        {
            End(thunk, reason);
            trees.Add(thunk.Tree);
        }

        DropQueued(action => action.Sender.Equals(source), reason);
        foreach (var tree in trees)
        {
            ReleaseIfEnded(tree);
        }
    }

    private bool TryFind(IThunkCommand command, string? id, out Thunk thunk)
    {
        if (id is not null && _thunks.TryGetValue(id, out thunk!))
        {
            return true;
        }

        thunk = null!;
        Reject(command, id is not null && _ended.TryGetValue(id, out var why) ? $"Thunk '{id}' has ended: {why}." : $"Thunk '{id}' is unknown.");
        return false;
    }

    private void Track(IActorRef source, int change)
    {
        _liveBySource.TryGetValue(source, out var live);
        live += change;
        if (live > 0)
        {
            if (live == 1 && change > 0)
            {
                Context.Watch(source);
            }

            _liveBySource[source] = live;
        }
        else if (_liveBySource.Remove(source))
        {
            Context.Unwatch(source);
        }
    }

    private void Reject(IThunkCommand command, string reason) => Sender.TellOrLog(new ThunkCommandRejected(command, reason), _log, reason);

    private long NextVersion()
    {
        _dirty = true;
        return ++_version;
    }

    private T Publish<T>(T thunkEvent)
        where T : ThunkEvent
    {
        _publish(thunkEvent);
        return thunkEvent;
    }

    private ThunkSummary Summary() => new(
        _version,
        _held.Select(t => t.RootId).ToArray(),
        _waiting.Select(t => t.RootId).ToArray(),
        _thunks.Values.Select(t => t.ToInfo()).ToArray(),
        _queue.Count,
        _metrics.Snapshot(),
        _journal is null ? null : AllStored);

    /// <summary>Sent by a tree's timer when it has held its lock too long.</summary>
    private sealed record TreeTimedOut(string RootId);
}
