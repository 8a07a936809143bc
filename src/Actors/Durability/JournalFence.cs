using Akka.Actor;
using Akka.Event;

namespace Actors.Durability;

/// <summary>How a cluster singleton takes its journal's fence (<see cref="SingleWriter.TryFence"/>) without blocking its thread.</summary>
internal static class JournalFence
{
    /// <summary>Tries the fence off the actor's thread (a database round trip); <paramref name="self"/> gets <see cref="FenceTaken"/> or <see cref="FenceBusy"/>.</summary>
    public static void TryTake(DurabilitySettings persistence, string name, IActorRef self) =>
        Task.Run(() => SingleWriter.TryFence(persistence, name)).PipeTo(self, success: fence => fence is null ? FenceBusy.Instance : new FenceTaken(fence),
            failure: e => new FenceBusy(e));

    /// <summary>
    /// The fence is busy: says so once (<paramref name="warned"/>), naming the journal and who holds it, and asks again
    /// after 250 ms (<see cref="FenceRetry"/>, answered by calling <see cref="TryTake"/> again).
    /// </summary>
    public static void RetryLater(FenceBusy busy, ITimerScheduler timers, ILoggingAdapter log, ref bool warned, string journal, string holder)
    {
        if (!warned)
        {
            warned = true;
            log.Warning("The {0} is still fenced by the previous {1} (its node has not stopped yet){2}; waiting for it before writing",
                journal, holder, busy.Cause is null ? "" : $" or the database is unreachable ({busy.Cause.Message})");
        }

        timers.StartSingleTimer(FenceBusy.Instance, FenceRetry.Instance, TimeSpan.FromMilliseconds(250));
    }
}

/// <summary>The singleton holds its journal's fence.</summary>
internal sealed record FenceTaken(IDisposable Fence);

/// <summary>Another singleton holds the fence (or the database could not be asked).</summary>
internal sealed record FenceBusy(Exception? Cause = null)
{
    public static readonly FenceBusy Instance = new();
}

/// <summary>Time to try the fence again.</summary>
internal sealed record FenceRetry
{
    public static readonly FenceRetry Instance = new();
}
