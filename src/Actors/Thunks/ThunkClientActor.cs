using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

/// <summary>
/// The source of a processor's thunks: the coordinator watches it, so if it stops, the processor's thunks
/// fail and their locks are released. It logs refusals of fire-and-forget actions, which nobody awaits.
/// </summary>
internal sealed class ThunkClientActor : UntypedActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props() => Akka.Actor.Props.Create<ThunkClientActor>();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ThunkActionRefused refused:
                _log.Warning("A dispatched {0} was refused: {1}", refused.Action.GetType().Name, refused.Reason);
                break;
            case ThunkEvent:
                // The answer to a fire-and-forget FailThunk (a body that threw): nothing waits for it.
                break;
            case ThunkCommandRejected rejected:
                _log.Warning("{0} was rejected: {1}", rejected.Command.GetType().Name, rejected.Reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
