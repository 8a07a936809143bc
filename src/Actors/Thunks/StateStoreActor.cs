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
    private StoreStateChanged<TState> _current;

    /// <summary>Creates the store.</summary>
    /// <param name="initialState">The state before any action (version 0).</param>
    /// <param name="reducer">Returns the state after an action; must not mutate its input.</param>
    public StateStoreActor(TState initialState, Func<TState, object, TState> reducer)
    {
        _reducer = reducer;
        _current = new StoreStateChanged<TState>(0, initialState, null);
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
                subscribe.Subscriber.Tell(_current);
                break;
            case Terminated terminated:
                _subscribers.Remove(terminated.ActorRef);
                break;
            case GetStoreState:
                Sender.Tell(_current);
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
            next = _reducer(_current.State, action);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "The reducer threw on {0}; the state is unchanged", action.GetType().Name);
            acknowledgeTo?.Tell(new ThunkActionRefused(action, $"The reducer threw {ex.GetType().Name}: {ex.Message}"));
            return;
        }

        _current = new StoreStateChanged<TState>(_current.Version + 1, next, action);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(_current);
        }

        acknowledgeTo?.Tell(new ThunkActionApplied(_current.Version));
    }
}
