using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Actors.Common;

/// <summary>
/// Events of a capability that runs once in a cluster, seen on every node: the publisher publishes to a
/// DistributedPubSub topic, and a relay on each node (the publisher's own included) republishes them on its
/// local event stream, so local subscribers (the service's event feeds, watchers) need not know where the
/// capability runs. Without a cluster, events go straight to the local event stream.
/// </summary>
/// <remarks>
/// In a cluster the events go out in batches (<see cref="ClusterEventBatch"/>): a batch holds whatever
/// arrived while the previous one was being sent, so a quiet queue sends each event at once and a busy one
/// sends one message per node for many events.
/// </remarks>
internal static class ClusterEvents
{
    /// <summary>Starts this node's relay for <paramref name="topic"/> (in a cluster; nothing without one).</summary>
    public static void StartRelay(ActorSystem system, string topic)
    {
        if (Placement.IsCluster(system))
        {
            system.ActorOf(Props.Create(() => new Relay(topic)), $"{topic}-relay");
            // Every capability on a cluster starts a relay: the node's membership is worth measuring from then on.
            ClusterMetrics.Watch(system);
        }
    }

    /// <summary>
    /// Where a capability's events go, decided once: every node's event stream through the topic in a
    /// cluster (batched by an actor of the caller's), the local event stream without one.
    /// </summary>
    /// <param name="context">The publishing actor's context: in a cluster its batcher is its child, and stops with it.</param>
    /// <param name="topic">The topic.</param>
    public static Action<object> PublisherFor(IActorContext context, string topic)
    {
        if (!Placement.IsCluster(context.System))
        {
            return context.System.EventStream.Publish;
        }

        var batcher = context.ActorOf(Props.Create(() => new Batcher(topic)), "event-batcher");
        return message => batcher.Tell(message);
    }

    /// <summary>
    /// Where events of many actors of one node go (the keyed jobs of a sharded kind, each an actor of its own): every
    /// node's event stream through the topic, by one batcher per node and topic (started on first use, under
    /// <c>/user/&lt;topic&gt;-publisher</c>), in a cluster; the local event stream without one.
    /// </summary>
    public static Action<object> NodePublisherFor(ActorSystem system, string topic)
    {
        if (!Placement.IsCluster(system))
        {
            return system.EventStream.Publish;
        }

        var batcher = NodePublishers.For(system).Get(topic, () => system.ActorOf(Props.Create(() => new Batcher(topic)), $"{topic}-publisher"));
        return message => batcher.Tell(message);
    }

    /// <summary>The node-wide batchers of an actor system, by topic.</summary>
    private sealed class NodePublishers : IExtension
    {
        private readonly Dictionary<string, IActorRef> _byTopic = new(StringComparer.Ordinal);
        private readonly Lock _starting = new();

        public static NodePublishers For(ActorSystem system) => system.WithExtension<NodePublishers, Provider>();

        public IActorRef Get(string topic, Func<IActorRef> start)
        {
            lock (_starting)
            {
                if (!_byTopic.TryGetValue(topic, out var batcher))
                {
                    _byTopic.Add(topic, batcher = start());
                }

                return batcher;
            }
        }

        private sealed class Provider : ExtensionIdProvider<NodePublishers>
        {
            public override NodePublishers CreateExtension(ExtendedActorSystem system) => new();
        }
    }

    /// <summary>Collects events until the previous batch has gone, then publishes them as one.</summary>
    private sealed class Batcher : ReceiveActor
    {
        private const int MaxBatch = 512;
        private readonly List<object> _pending = [];
        private bool _flushScheduled;

        public Batcher(string topic)
        {
            var mediator = DistributedPubSub.Get(Context.System).Mediator;
            Receive<Flush>(_ =>
            {
                _flushScheduled = false;
                mediator.Tell(new Publish(topic, new ClusterEventBatch(_pending.ToArray())));
                _pending.Clear();
            });
            ReceiveAny(message =>
            {
                _pending.Add(message);
                if (_pending.Count >= MaxBatch)
                {
                    mediator.Tell(new Publish(topic, new ClusterEventBatch(_pending.ToArray())));
                    _pending.Clear();
                }
                else if (!_flushScheduled)
                {
                    // Behind every event already in the mailbox: the batch takes all of them.
                    _flushScheduled = true;
                    Self.Tell(Flush.Instance);
                }
            });
        }

        private sealed record Flush
        {
            public static readonly Flush Instance = new();
        }
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(string topic)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(topic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<ClusterEventBatch>(batch =>
            {
                foreach (var message in batch.Events)
                {
                    Context.System.EventStream.Publish(message);
                }
            });
        }
    }
}

/// <summary>Events published together, in order (see <see cref="ClusterEventBatchSerializer"/>).</summary>
internal sealed record ClusterEventBatch(IReadOnlyList<object> Events);
