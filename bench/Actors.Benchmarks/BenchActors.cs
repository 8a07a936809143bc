using Actors.Jobs;
using Akka.Actor;

namespace Actors.Benchmarks;

/// <summary>The baseline: an actor that does nothing.</summary>
internal sealed class EmptyActor : UntypedActor
{
    protected override void OnReceive(object message)
    {
    }
}

/// <summary>The baseline for dispatch: counts messages and signals when it has seen <c>target</c>.</summary>
internal sealed class CountingActor(int target, TaskCompletionSource done) : UntypedActor
{
    private int _seen;

    protected override void OnReceive(object message)
    {
        if (++_seen == target)
        {
            done.TrySetResult();
        }
    }
}

/// <summary>Collects replies and signals when <c>expected</c> have arrived; keeps the actor refs it is sent.</summary>
internal sealed class ReplyCollector(int expected, TaskCompletionSource<List<IActorRef>> done) : UntypedActor
{
    private readonly List<IActorRef> _refs = new(expected);
    private int _seen;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case JobCreated created:
                _refs.Add(created.Job);
                break;
            case ActorIdentity { Subject: { } subject }:
                _refs.Add(subject);
                break;
        }

        if (++_seen == expected)
        {
            done.TrySetResult(_refs);
        }
    }
}

/// <summary>Starts <see cref="ReplyCollector"/>s.</summary>
internal static class Replies
{
    public static (IActorRef Collector, Task<List<IActorRef>> Done) Collect(ActorSystem system, int expected)
    {
        var done = new TaskCompletionSource<List<IActorRef>>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (system.ActorOf(Props.Create(() => new ReplyCollector(expected, done))), done.Task);
    }
}

/// <summary>A job at rest: no work of its own (RunAsync not overridden), it handles actions until it is stopped.</summary>
internal sealed class IdleJob() : Job<int, Tick>(0)
{
    protected override Task HandleAsync(Tick action, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A job that counts the actions it handles (optionally publishing each count as its state).</summary>
internal sealed class CountingJob(int target, TaskCompletionSource done, bool publishState) : Job<int, Tick>(0)
{
    private int _seen;

    protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override Task HandleAsync(Tick action, CancellationToken cancellationToken)
    {
        if (publishState)
        {
            SetState(_seen + 1);
        }

        if (++_seen == target)
        {
            done.TrySetResult();
        }

        return Task.CompletedTask;
    }
}

/// <summary>The action (and plain message) used by the dispatch benchmarks.</summary>
internal sealed record Tick
{
    public static readonly Tick Instance = new();
}

/// <summary>
/// The naive way to spread work over a round-robin pool: push every unit to the next routee as a
/// message, whether or not it is busy. Signals when the whole batch has run.
/// </summary>
internal sealed class PushedWorkRoutee(Func<int> remaining, TaskCompletionSource done) : UntypedActor
{
    protected override void OnReceive(object message)
    {
        CpuWork.Spin((int)message);
        if (remaining() == 0)
        {
            done.TrySetResult();
        }
    }
}
