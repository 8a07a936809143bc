using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Actors.Common;

/// <summary>
/// An unbounded mailbox for actors that are many and mostly idle (jobs): its empty queue is two small objects, where
/// Akka's default queue starts with a 32-slot segment (about 800 bytes per actor, allocated and zeroed at its creation).
/// Each message costs one small node instead, so hot actors with steady traffic keep the default.
/// </summary>
/// <remarks>Configured under <c>actors.mailboxes.linked</c> (see <c>hocon/jobs.conf</c>).</remarks>
internal sealed class LinkedMailbox : MailboxType, IProducesMessageQueue<LinkedMessageQueue>
{
    /// <summary>The mailbox's configuration path, for <see cref="Props.WithMailbox"/>.</summary>
    public const string Id = "actors.mailboxes.linked";

    public LinkedMailbox(Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new LinkedMessageQueue();

    /// <summary>
    /// Makes the mailbox known to <paramref name="system"/> when its configuration did not come with the library's
    /// <paramref name="defaults"/> (a system created without them): their setting, as a fallback, so an application's own
    /// setting still wins.
    /// </summary>
    public static void EnsureConfigured(ActorSystem system, Config defaults)
    {
        if (!system.Settings.Config.HasPath(Id))
        {
            var type = defaults.GetString($"{Id}.mailbox-type");
            system.Settings.InjectTopLevelFallback(ConfigurationFactory.ParseString($"{Id}.mailbox-type = \"{type}\""));
        }
    }
}

/// <summary>
/// A multi-producer, single-consumer linked queue (Vyukov's): producers swap the tail and link the old one; only the
/// actor's own run dequeues. A producer between its swap and its link leaves its message untakeable for a moment while
/// <see cref="HasMessages"/> already says there is one, so the mailbox runs again rather than going idle over it.
/// </summary>
internal sealed class LinkedMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    /// <summary>The last node taken (its item already handed out); its successor holds the next message.</summary>
    private Node _head;

    private Node _tail;

    public LinkedMessageQueue() => _head = _tail = new Node();

    /// <summary>
    /// Whether a producer has swapped the tail since the last take, linked or not yet. Not "the head has a successor": a
    /// producer's link is a plain release write that its next read (the mailbox's status) may pass, so a consumer going
    /// idle could miss a linked message while that producer saw the mailbox still scheduled. The tail swap is a full fence.
    /// </summary>
    public bool HasMessages => !ReferenceEquals(Volatile.Read(ref _tail), Volatile.Read(ref _head));

    /// <summary>Counted by walking the queue: Akka reads it only for diagnostics, and a counter would cost every message.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            for (var node = Volatile.Read(ref Volatile.Read(ref _head).Next); node is not null; node = Volatile.Read(ref node.Next))
            {
                count++;
            }

            return count;
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        var node = new Node { Item = envelope };
        var previous = Interlocked.Exchange(ref _tail, node);
        Volatile.Write(ref previous.Next, node);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        var next = Volatile.Read(ref _head.Next);
        if (next is null)
        {
            envelope = default;
            return false;
        }

        envelope = next.Item;
        next.Item = default; // the node stays as the new head: let go of the message it carried
        Volatile.Write(ref _head, next);
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }

    private sealed class Node
    {
        public Envelope Item;
        public Node? Next;
    }
}
