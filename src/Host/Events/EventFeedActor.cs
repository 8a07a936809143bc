using Actors.Jobs;
using Actors.Tasks;
using Actors.Thunks;
using Akka.Actor;

namespace Actors.Host.Events;

/// <summary>
/// Feeds one server-sent-events client: subscribed to the event stream's task, job and thunk events,
/// it offers the ones the client's filter matches to the client's buffer, and stops once that overflows.
/// </summary>
internal sealed class EventFeedActor(EventBuffer buffer, EventFilter filter) : UntypedActor
{
    public static readonly Type[] Topics = [typeof(TaskEvent), typeof(ThunkEvent), typeof(JobStarted), typeof(JobStopped), typeof(TaskCircuitChanged),
        typeof(Actors.Orchestration.FlowEvent)];


    protected override void OnReceive(object message)
    {
        if (filter.Matches(message) && !buffer.Offer(message))
        {
            Context.Stop(Self);
        }
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
