using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Actors.Tasks;

/// <summary>What a running attempt reports to the queue (its end, its progress): taken before the rest of the queue's mailbox.</summary>
internal interface IAttemptReport;

/// <summary>
/// The task queue's mailbox: a running attempt's reports (<see cref="IAttemptReport"/>) are taken before anything else
/// waiting, so that under a flood of submits a slot that frees is taken again at once, not behind the flood (decision
/// 0023). Within each kind, arrival order. Deque-based, for the queue's stash.
/// </summary>
/// <remarks>Configured under <c>actors.mailboxes.task-queue</c> (see <c>hocon/tasks.conf</c>).</remarks>
internal sealed class TaskQueueMailbox : MailboxType, IProducesMessageQueue<TaskQueueMessageQueue>
{
    /// <summary>The mailbox's configuration path, for <see cref="Props.WithMailbox"/>.</summary>
    public const string Id = "actors.mailboxes.task-queue";

    public TaskQueueMailbox(Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new TaskQueueMessageQueue();
}

/// <summary>
/// Two queues, reports first, but never more than <see cref="MaxReportsInARow"/> of them while other messages wait: a
/// handler reporting progress in a tight loop, or a stream of ends from many slots, must not hold up a cancel or a query.
/// Messages put back at the front (unstashed) come before both.
/// </summary>
internal sealed class TaskQueueMessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    /// <summary>How many reports may be taken in a row while other messages wait.</summary>
    internal const int MaxReportsInARow = 16;

    private readonly ConcurrentQueue<Envelope> _reports = new();
    private readonly ConcurrentQueue<Envelope> _others = new();

    /// <summary>Put back by the actor itself (its stash), on its own thread only: a stack, as the stash puts them back last first.</summary>
    private readonly Stack<Envelope> _putBack = new();

    /// <summary>Reports taken since the last other message (the actor's thread only).</summary>
    private int _reportsInARow;

    public bool HasMessages => !_reports.IsEmpty || !_others.IsEmpty || _putBack.Count > 0;

    public int Count => _reports.Count + _others.Count + _putBack.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope) => (envelope.Message is IAttemptReport ? _reports : _others).Enqueue(envelope);

    public void EnqueueFirst(Envelope envelope) => _putBack.Push(envelope);

    public bool TryDequeue(out Envelope envelope)
    {
        if (_putBack.TryPop(out envelope))
        {
            return true;
        }

        if (_reportsInARow < MaxReportsInARow && _reports.TryDequeue(out envelope))
        {
            _reportsInARow++;
            return true;
        }

        if (_others.TryDequeue(out envelope))
        {
            _reportsInARow = 0;
            return true;
        }

        // Past the limit with nothing else waiting: reports go on, and the next other message is taken first.
        return _reports.TryDequeue(out envelope);
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }
}
