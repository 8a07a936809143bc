using System.Collections.Concurrent;
using Actors.Tasks;
using Akka.Actor;

namespace Actors.Tests.Tasks;

/// <summary>Subscribed to an event stream: keeps every task event it is told, in the order they arrive.</summary>
internal sealed class TaskEventRecorder(ConcurrentQueue<TaskEvent> events) : UntypedActor
{
    protected override void OnReceive(object message)
    {
        if (message is TaskEvent taskEvent)
        {
            events.Enqueue(taskEvent);
        }
    }
}
