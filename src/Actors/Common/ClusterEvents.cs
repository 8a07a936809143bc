using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Actors.Common;

/// <summary>
/// Events of a capability that runs once in a cluster, seen on every node: the publisher publishes to a
/// DistributedPubSub topic, and a relay on each node (the publisher's own included) republishes them on its
/// local event stream, so local subscribers (the service's event feeds, watchers) need not know where the
/// capability runs. Without a cluster, events go straight to the local event stream.
/// </summary>
internal static class ClusterEvents
{
    /// <summary>Starts this node's relay for <paramref name="topic"/> (in a cluster; nothing without one).</summary>
    public static void StartRelay(ActorSystem system, string topic)
    {
        if (Placement.IsCluster(system))
        {
            system.ActorOf(Props.Create(() => new Relay(topic)), $"{topic}-relay");
        }
    }

    /// <summary>Publishes <paramref name="message"/> on every node's event stream (the local one alone without a cluster).</summary>
    public static void Publish(ActorSystem system, string topic, object message)
    {
        if (Placement.IsCluster(system))
        {
            DistributedPubSub.Get(system).Mediator.Tell(new Publish(topic, message));
        }
        else
        {
            system.EventStream.Publish(message);
        }
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(string topic)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(topic, Self));
            Receive<SubscribeAck>(_ => { });
            ReceiveAny(message => Context.System.EventStream.Publish(message));
        }
    }
}
