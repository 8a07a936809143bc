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

    /// <summary>
    /// Where a capability's events go, decided once: every node's event stream through the topic in a
    /// cluster, the local event stream without one.
    /// </summary>
    public static Action<object> PublisherFor(ActorSystem system, string topic)
    {
        if (!Placement.IsCluster(system))
        {
            return system.EventStream.Publish;
        }

        var mediator = DistributedPubSub.Get(system).Mediator;
        return message => mediator.Tell(new Publish(topic, message));
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
