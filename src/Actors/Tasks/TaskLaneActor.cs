using Akka.Actor;

namespace Actors.Tasks;

/// <summary>
/// A cluster executor's lane for one task type: hosts a <see cref="TaskLane"/> and tells the queue (through its proxy, so
/// that reports reach it after it moved) each attempt's progress and end, keeping its last ends for a queue that moved
/// (it may not have stored them). The queue sends <see cref="RunTask"/> only when the attempt may start, and
/// <see cref="CancelAttempt"/> when its token must fire. Without a cluster the queue hosts its lanes itself.
/// </summary>
internal sealed class TaskLaneActor : ReceiveActor, IWithTimers
{
    /// <summary>How many ends a lane keeps: more than can be on their way to the queue when it dies.</summary>
    private const int RecentEndsKept = 256;

    private readonly TaskDefinition _definition;
    private readonly IActorRef _queue;
    private readonly Queue<AttemptEnded> _recentlyEnded = new();

    /// <summary>Made once the actor has its timers (they are set after its constructor).</summary>
    private TaskLane _lane = null!;

    public TaskLaneActor(TaskDefinition definition, IActorRef queue)
    {
        _definition = definition;
        _queue = queue;
        Receive<RunTask>(run => _lane.Run(run.TaskId, run.Attempt, run.Input, run.IdempotencyKey, run.Upstream, run.TraceParent));
        Receive<CancelAttempt>(cancel => _lane.Cancel(cancel.TaskId, cancel.Attempt));
        Receive<CancelAllAttempts>(_ => _lane.CancelAll());
        Receive<GetRunningAttempts>(_ => Sender.Tell(new RunningAttempts(_lane.RunningAttempts(), _recentlyEnded.ToList())));
        Receive<TaskLane.Signal>(signal => signal.Lane.On(signal));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="definition">The task type it runs.</param>
    /// <param name="queue">Where progress and ends go: the queue's proxy.</param>
    public static Props Props(TaskDefinition definition, IActorRef queue) => Akka.Actor.Props.Create(() => new TaskLaneActor(definition, queue));

    protected override void PreStart() => _lane = new TaskLane(_definition, Context.System, Self, Timers, Report, progress => _queue.Tell(progress));

    private void Report(AttemptEnded ended)
    {
        _queue.Tell(ended);
        _recentlyEnded.Enqueue(ended);
        if (_recentlyEnded.Count > RecentEndsKept)
        {
            _recentlyEnded.Dequeue();
        }
    }

    /// <summary>Asks which attempts a lane runs; answered with <see cref="RunningAttempts"/>.</summary>
    internal sealed record GetRunningAttempts
    {
        public static readonly GetRunningAttempts Instance = new();
    }

    /// <summary>The attempts a lane runs, and the last ends it reported.</summary>
    internal sealed record RunningAttempts(IReadOnlyList<AttemptRef> Attempts, IReadOnlyList<AttemptEnded> RecentlyEnded);

    /// <summary>Fires every running attempt's token (its node's shutdown grace is over).</summary>
    internal sealed record CancelAllAttempts
    {
        public static readonly CancelAllAttempts Instance = new();
    }
}
