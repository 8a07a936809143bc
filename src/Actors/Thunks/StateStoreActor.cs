using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

/// <summary>
/// The reference action handler: applies each action to its state with a reducer, one at a time, and
/// commits a tree's actions only when the tree completes (<see cref="ThunkTreeEnded"/>); a failed tree's
/// actions are undone. Readers (<see cref="GetStoreState"/>, subscribers) see the committed state only, so
/// never money half moved. A reducer that throws leaves the state as it was; the error is logged and the
/// acknowledgement says so (which fails the dispatching thunk, and so its tree).
/// </summary>
/// <remarks>
/// Trees that hold locks at once have disjoint keys, so their actions touch disjoint parts of the state:
/// committing one tree's actions onto the committed state, in their order, gives what applying them in the
/// interleaved order gave. An undone tree's actions are dropped and the working state is rebuilt from the
/// committed state and the actions of the trees still running.
/// </remarks>
public sealed class StateStoreActor<TState> : UntypedActor, IWithUnboundedStash
{
    private readonly Func<TState, object, TState> _reducer;
    private readonly List<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>The state between trees: what readers see.</summary>
    private TState _committed;

    /// <summary>Committed actions so far.</summary>
    private long _version;

    private object? _lastAction;

    /// <summary>The committed state with the running trees' actions applied: what actions are applied to.</summary>
    private TState _working;

    /// <summary>Actions applied by trees still running, in order, with their trees.</summary>
    private readonly PendingActions _uncommitted = new();

    /// <summary>Actions applied to the working state so far (acknowledgements carry it).</summary>
    private long _applied;

    /// <summary>Creates the store.</summary>
    /// <param name="initialState">The state before any action (version 0).</param>
    /// <param name="reducer">Returns the state after an action; must not mutate its input.</param>
    /// <param name="awaitRestore">Serve nothing (readers included) until a durable coordinator sends <see cref="RestoreStore"/>.</param>
    public StateStoreActor(TState initialState, Func<TState, object, TState> reducer, bool awaitRestore = false)
    {
        _reducer = reducer;
        _committed = _working = initialState;
        if (awaitRestore)
        {
            Common.Recovery.Begin(Context, this, Restoring);
        }
    }

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>The Props of a store.</summary>
    /// <param name="initialState">The state before any action (version 0).</param>
    /// <param name="reducer">Returns the state after an action; must not mutate its input.</param>
    /// <param name="awaitRestore">For a durable coordinator's store: wait for its <see cref="RestoreStore"/> before serving anyone, so no reader sees the initial state of a store that had one.</param>
    public static Props Props(TState initialState, Func<TState, object, TState> reducer, bool awaitRestore = false)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        return Akka.Actor.Props.Create(() => new StateStoreActor<TState>(initialState, reducer, awaitRestore));
    }

    private bool Restoring(object message)
    {
        if (message is not RestoreStore restore)
        {
            return false;
        }

        Restore(restore);
        Common.Recovery.End(Context, this);
        return true;
    }

    private void Restore(RestoreStore restore)
    {
        if (restore.State is TState state)
        {
            (_committed, _working, _version, _lastAction) = (state, state, restore.Version, null);
            _uncommitted.Clear();
            Notify();
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DispatchThunkAction dispatch:
                Apply(dispatch, dispatch.Acknowledge ? Sender : null);
                break;
            case HandedOverActions handed:
                foreach (var (dispatch, sender) in handed.Actions)
                {
                    Apply(dispatch, dispatch.Acknowledge ? sender : null);
                }

                break;
            case ThunkTreeEnded ended:
                End(ended);
                Sender.Tell(new StoreCommitted(ended.RootId, _version, _committed));
                break;
            case RestoreStore restore:
                Restore(restore);
                break;
            case SubscribeToStore subscribe:
                _subscribers.Add(subscribe.Subscriber);
                Context.Watch(subscribe.Subscriber);
                subscribe.Subscriber.Tell(Current());
                break;
            case Terminated terminated:
                _subscribers.Remove(terminated.ActorRef);
                break;
            case GetStoreState:
                Sender.Tell(Current());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Apply(DispatchThunkAction dispatch, IActorRef? acknowledgeTo)
    {
        var action = dispatch.Action;
        TState next;
        try
        {
            next = _reducer(_working, action);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "The reducer threw on {0}; the state is unchanged", action.GetType().Name);
            acknowledgeTo?.Tell(new ThunkActionRefused(action, $"The reducer threw {ex.GetType().Name}: {ex.Message}"));
            return;
        }

        _working = next;
        _applied++;
        if ((dispatch.RootId ?? dispatch.ThunkId) is { } rootId)
        {
            _uncommitted.Add(rootId, action);
        }
        else
        {
            // A plain action is final at once. Through the coordinator it passes only while no tree holds a lock,
            // so nothing is uncommitted and the working state is the committed one.
            (_committed, _version, _lastAction) = (_uncommitted.Count == 0 ? next : _reducer(_committed, action), _version + 1, action);
            Notify();
        }

        acknowledgeTo?.Tell(new ThunkActionApplied(_applied));
    }

    private void End(ThunkTreeEnded ended)
    {
        var (count, last) = _uncommitted.Of(ended.RootId);
        if (count == 0)
        {
            return;
        }

        if (count == _uncommitted.Count)
        {
            // Alone (the common case): its actions are exactly what lies between the committed and the working state.
            _uncommitted.Clear();
            if (ended.Completed)
            {
                (_committed, _version, _lastAction) = (_working, _version + count, last);
                Notify();
            }
            else
            {
                _log.Info("Undid {0} actions of tree {1}, which did not complete", count, ended.RootId);
                _working = _committed;
            }

            return;
        }

        var mine = _uncommitted.Remove(ended.RootId);
        if (ended.Completed)
        {
            // The reducer, which accepted each of them on the working state, meets the same part of the state
            // (disjoint keys) on the committed one, so it accepts them again.
            _committed = mine.Aggregate(_committed, _reducer);
            (_version, _lastAction) = (_version + mine.Count, mine[^1]);
            Notify();
            return;
        }

        _log.Info("Undid {0} actions of tree {1}, which did not complete", mine.Count, ended.RootId);
        _working = _uncommitted.All().Aggregate(_committed, (state, pending) => _reducer(state, pending.Action));
    }

    private void Notify()
    {
        if (_subscribers.Count == 0)
        {
            return;
        }

        var changed = Current();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(changed);
        }
    }

    /// <summary>A snapshot of the committed state, made only when someone will see it (actions are the hot path).</summary>
    private StoreStateChanged<TState> Current() => new(_version, _committed, _lastAction);
}
