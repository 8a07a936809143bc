using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

/// <summary>
/// The reference action handler: applies each action to its state with a reducer, one at a time, and
/// tells subscribers every new state with its version. A reducer that throws leaves the state as it was;
/// the error is logged and the acknowledgement says so.
/// </summary>
public sealed class StateStoreActor<TState> : UntypedActor
{
    private readonly Func<TState, object, TState> _reducer;
    private readonly List<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TState _state;
    private long _version;
    private object? _lastAction;

    /// <summary>Creates the store.</summary>
    /// <param name="initialState">The state before any action (version 0).</param>
    /// <param name="reducer">Returns the state after an action; must not mutate its input.</param>
    public StateStoreActor(TState initialState, Func<TState, object, TState> reducer)
    {
        _reducer = reducer;
        _state = initialState;
    }

    /// <summary>The Props of a store.</summary>
    public static Props Props(TState initialState, Func<TState, object, TState> reducer)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        return Akka.Actor.Props.Create(() => new StateStoreActor<TState>(initialState, reducer));
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DispatchThunkAction dispatch:
                Apply(dispatch.Action, dispatch.Acknowledge ? Sender : null);
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

    private void Apply(object action, IActorRef? acknowledgeTo)
    {
        TState next;
        try
        {
            next = _reducer(_state, action);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "The reducer threw on {0}; the state is unchanged", action.GetType().Name);
            acknowledgeTo?.Tell(new ThunkActionRefused(action, $"The reducer threw {ex.GetType().Name}: {ex.Message}"));
            return;
        }

        (_state, _version, _lastAction) = (next, _version + 1, action);
        if (_subscribers.Count > 0)
        {
            var changed = Current();
            foreach (var subscriber in _subscribers)
            {
                subscriber.Tell(changed);
            }
        }

        acknowledgeTo?.Tell(new ThunkActionApplied(_version));
    }

    /// <summary>A snapshot of the state, made only when someone will see it (actions are the hot path).</summary>
    private StoreStateChanged<TState> Current() => new(_version, _state, _lastAction);
}
