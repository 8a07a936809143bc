using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Actors.Common;

/// <summary>
/// An unbounded mailbox for actors that are many and mostly idle (jobs): its queue starts with room for 4 messages (about
/// 200 bytes), where Akka's default queue starts every actor with a 32-slot segment (about 800 bytes, allocated and zeroed
/// at its creation). It grows by segments four times larger, up to 1,024 slots, each a ring reused while it keeps up, so a
/// busy actor allocates nothing per message.
/// </summary>
/// <remarks>Configured under <c>actors.mailboxes.small</c> (see <c>hocon/jobs.conf</c>).</remarks>
internal sealed class SmallMailbox : MailboxType, IProducesMessageQueue<SmallMessageQueue>
{
    /// <summary>The mailbox's configuration path, for <see cref="Props.WithMailbox"/>.</summary>
    public const string Id = "actors.mailboxes.small";

    public SmallMailbox(Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new SmallMessageQueue();
}

/// <summary>
/// A multi-producer, single-consumer queue of ring segments (each a bounded queue after Vyukov, with a sequence number per
/// slot). A full segment is frozen (its producers' position moves past any they could claim) and a four times larger one
/// linked after it; the consumer moves on once a frozen segment is drained.
/// </summary>
/// <remarks>
/// Every change a producer makes that says "a message is coming" is an interlocked operation (claiming a position, linking
/// a segment), and <see cref="HasMessages"/> reads exactly those. Akka's mailbox relies on it: a producer reads the
/// mailbox's status after enqueuing, a consumer going idle reads <see cref="HasMessages"/> after setting it; with a plain
/// write on one side, each could miss the other and a message would wait for the next one.
/// </remarks>
internal sealed class SmallMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private const int FirstCapacity = 4;
    private const int MaxCapacity = 1024;

    /// <summary>The segment the consumer takes from.</summary>
    private Segment _head;

    /// <summary>The segment producers put into.</summary>
    private Segment _tail;

    public SmallMessageQueue() => _head = _tail = new Segment(FirstCapacity);

    public bool HasMessages
    {
        get
        {
            var head = Volatile.Read(ref _head);
            return head.HasClaimed || Volatile.Read(ref head.Next) is not null;
        }
    }

    /// <summary>Counted across segments: Akka reads it only for diagnostics.</summary>
    public int Count
    {
        get
        {
            var count = 0L;
            for (var segment = Volatile.Read(ref _head); segment is not null; segment = Volatile.Read(ref segment.Next))
            {
                count += segment.Claimed;
            }

            return (int)Math.Min(count, int.MaxValue);
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        while (true)
        {
            var tail = Volatile.Read(ref _tail);
            if (tail.TryEnqueue(envelope))
            {
                return;
            }

            // Full: no one may put into it any more, and the next segment becomes the tail (whoever links it first).
            tail.Freeze();
            var next = Volatile.Read(ref tail.Next);
            if (next is null)
            {
                var grown = new Segment(Math.Min(tail.Capacity * 4, MaxCapacity));
                next = Interlocked.CompareExchange(ref tail.Next, grown, null) ?? grown;
            }

            Interlocked.CompareExchange(ref _tail, next, tail);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        while (true)
        {
            var head = _head;
            if (head.TryDequeue(out envelope))
            {
                return true;
            }

            if (!head.IsDrainedForGood || Volatile.Read(ref head.Next) is not { } next)
            {
                return false;
            }

            Volatile.Write(ref _head, next);
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }

    private sealed class Segment
    {
        /// <summary>Added to the producers' position to freeze a segment: no position a producer could claim matches it.</summary>
        private const long Frozen = 1L << 62;

        private readonly Slot[] _slots;
        private readonly int _mask;

        /// <summary>The next position producers claim (plus <see cref="Frozen"/> once frozen).</summary>
        private long _tail;

        /// <summary>The next position the consumer takes.</summary>
        private long _head;

        public Segment? Next;

        public Segment(int capacity)
        {
            _slots = new Slot[capacity];
            _mask = capacity - 1;
            for (var i = 0; i < capacity; i++)
            {
                _slots[i].Sequence = i;
            }
        }

        public int Capacity => _slots.Length;

        /// <summary>Positions claimed and not yet taken (some perhaps not written yet).</summary>
        public long Claimed => (Volatile.Read(ref _tail) & ~Frozen) - Volatile.Read(ref _head);

        public bool HasClaimed => Claimed > 0;

        /// <summary>Frozen, and every position claimed before that taken: nothing more will come here.</summary>
        public bool IsDrainedForGood
        {
            get
            {
                var tail = Volatile.Read(ref _tail);
                return (tail & Frozen) != 0 && (tail & ~Frozen) == _head;
            }
        }

        public bool TryEnqueue(Envelope envelope)
        {
            var spinner = default(SpinWait);
            while (true)
            {
                var position = Volatile.Read(ref _tail);
                if ((position & Frozen) != 0)
                {
                    return false;
                }

                ref var slot = ref _slots[position & _mask];
                var lag = Volatile.Read(ref slot.Sequence) - position;
                if (lag == 0)
                {
                    if (Interlocked.CompareExchange(ref _tail, position + 1, position) == position)
                    {
                        slot.Item = envelope;
                        Volatile.Write(ref slot.Sequence, position + 1);
                        return true;
                    }
                }
                else if (lag < 0)
                {
                    return false; // full: the slot still holds a message from one lap before
                }

                spinner.SpinOnce(sleep1Threshold: -1); // another producer claimed this position first
            }
        }

        public void Freeze()
        {
            var tail = Volatile.Read(ref _tail);
            while ((tail & Frozen) == 0)
            {
                var seen = Interlocked.CompareExchange(ref _tail, tail | Frozen, tail);
                if (seen == tail)
                {
                    return;
                }

                tail = seen;
            }
        }

        /// <summary>Takes the next message if it has been written (consumer only).</summary>
        public bool TryDequeue(out Envelope envelope)
        {
            ref var slot = ref _slots[_head & _mask];
            if (Volatile.Read(ref slot.Sequence) != _head + 1)
            {
                envelope = default;
                return false;
            }

            envelope = slot.Item;
            slot.Item = default;
            Volatile.Write(ref slot.Sequence, _head + _slots.Length);
            Volatile.Write(ref _head, _head + 1);
            return true;
        }

        private struct Slot
        {
            public Envelope Item;
            public long Sequence;
        }
    }
}
