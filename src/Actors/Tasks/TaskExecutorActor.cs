using Akka;
using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

/// <summary>
/// In a cluster, one per node (<c>/user/tasks-executor</c>): holds this node's lanes and offers them to the
/// queue singleton, which sends attempts to the least busy node's lanes. It registers again whenever the
/// queue moves, naming the attempts it runs so that the new queue adopts them rather than running them
/// again. At shutdown it stops taking attempts, lets its running ones finish within the grace period, and
/// then hands those still running back to the queue, which runs them again on another node.
/// </summary>
internal sealed class TaskExecutorActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RegisterEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LaneAnswerTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleCheckEvery = TimeSpan.FromMilliseconds(100);

    private readonly IActorRef _queue;
    private readonly string _node;
    private readonly TimeSpan _grace;
    private readonly Dictionary<string, IActorRef> _lanes = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _registeredWith;
    private List<IActorRef>? _drainWaiters;

    /// <param name="definitions">The task types; every node registers the same ones.</param>
    /// <param name="queue">The queue's proxy: reports reach the queue wherever it runs.</param>
    /// <param name="node">This node's address.</param>
    /// <param name="grace">How long running attempts may go on at shutdown.</param>
    public TaskExecutorActor(IReadOnlyCollection<TaskDefinition> definitions, IActorRef queue, string node, TimeSpan grace)
    {
        _queue = queue;
        _node = node;
        _grace = grace;
        foreach (var definition in definitions)
        {
            _lanes[definition.Type] = Context.ActorOf(TaskLaneActor.Props(definition, queue), $"lane-{definition.Type}");
        }

        Receive<Signal>(signal =>
        {
            switch (signal)
            {
                case Signal.Register:
                    OfferLanes();
                    break;
                case Signal.CheckIdle:
                    AskLanes().PipeTo(Self, success: answers => answers.All(a => a.Attempts.Count == 0) ? Signal.Drained : Signal.StillRunning);
                    break;
                case Signal.Drained:
                    ReplyDrained();
                    break;
                case Signal.GraceOver:
                    CutOff();
                    break;
            }
        });
        Receive<RegisterExecutor>(register => _queue.Tell(register));
        Receive<ExecutorRegistered>(_ => Registered(Sender));
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_registeredWith), _ =>
        {
            _log.Info("The task queue this node's executor served has stopped; registering with the next one");
            _registeredWith = null;
            Timers.StartPeriodicTimer(Signal.Register, Signal.Register, RegisterEvery);
        });
        Receive<Status.Failure>(failure => _log.Warning("Could not list the running attempts to register them: {0}", failure.Cause.Message));
        Receive<DrainExecutor>(_ => Drain());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyCollection<TaskDefinition> definitions, IActorRef queue, string node, TimeSpan grace) =>
        Akka.Actor.Props.Create(() => new TaskExecutorActor(definitions, queue, node, grace));

    protected override void PreStart()
    {
        Self.Tell(Signal.Register);
        Timers.StartPeriodicTimer(Signal.Register, Signal.Register, RegisterEvery);
    }

    /// <summary>Sends the queue this node's lanes and the attempts they run (through the proxy, which holds it until the queue is found).</summary>
    private void OfferLanes()
    {
        if (_drainWaiters is not null)
        {
            return;
        }

        var lanes = new Dictionary<string, IActorRef>(_lanes, StringComparer.Ordinal);
        var self = Self;
        AskLanes().PipeTo(self, success: answers => new RegisterExecutor(self, _node, lanes, answers.SelectMany(a => a.Attempts).ToList(),
            answers.SelectMany(a => a.RecentlyEnded).ToList()));
    }

    private Task<TaskLaneActor.RunningAttempts[]> AskLanes() =>
        Task.WhenAll(_lanes.Values.Select(lane => lane.Ask<TaskLaneActor.RunningAttempts>(TaskLaneActor.GetRunningAttempts.Instance, LaneAnswerTimeout)));

    private void Registered(IActorRef queue)
    {
        Timers.Cancel(Signal.Register);
        if (queue.Equals(_registeredWith))
        {
            return;
        }

        _registeredWith = queue;
        Context.Watch(queue);
        _log.Info("This node's task executor serves the queue at {0}", queue.Path);
    }

    private void Drain()
    {
        (_drainWaiters ??= []).Add(Sender);
        if (_drainWaiters.Count > 1)
        {
            return;
        }

        Timers.Cancel(Signal.Register);
        _queue.Tell(new ExecutorLeaving(Self));
        Timers.StartSingleTimer(Signal.GraceOver, Signal.GraceOver, _grace);
        Timers.StartPeriodicTimer(Signal.CheckIdle, Signal.CheckIdle, IdleCheckEvery);
    }

    private void CutOff()
    {
        _log.Warning("The shutdown grace ({0}) is over: the attempts still running on this node are cut off and run again on another node", _grace);
        _queue.Tell(new ExecutorLeft(Self));
        foreach (var lane in _lanes.Values)
        {
            lane.Tell(TaskLaneActor.CancelAllAttempts.Instance);
        }

        ReplyDrained();
    }

    private void ReplyDrained()
    {
        Timers.Cancel(Signal.GraceOver);
        Timers.Cancel(Signal.CheckIdle);
        _drainWaiters?.ForEach(waiter => waiter.Tell(Done.Instance));
        _drainWaiters?.Clear();
    }

    /// <summary>What the executor tells itself (timers, and answers piped from its lanes).</summary>
    private enum Signal
    {
        /// <summary>Offer the lanes to the queue (again).</summary>
        Register,

        /// <summary>While draining: ask the lanes whether anything runs.</summary>
        CheckIdle,

        /// <summary>Something still runs.</summary>
        StillRunning,

        /// <summary>Nothing runs any more.</summary>
        Drained,

        /// <summary>The shutdown grace has passed.</summary>
        GraceOver,
    }
}

/// <summary>The node is shutting down: the executor stops taking attempts and answers <see cref="Done"/> once none runs, or after the grace period.</summary>
internal sealed record DrainExecutor
{
    public static readonly DrainExecutor Instance = new();
}
