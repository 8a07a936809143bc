using Akka.Actor;

namespace Actors.Durability;

/// <summary>How a cluster singleton takes its journal's fence (<see cref="SingleWriter.TryFence"/>) without blocking its thread.</summary>
internal static class JournalFence
{
    /// <summary>Tries the fence off the actor's thread (a database round trip); <paramref name="self"/> gets <see cref="FenceTaken"/> or <see cref="FenceBusy"/>.</summary>
    public static void TryTake(DurabilitySettings persistence, string name, IActorRef self) =>
        Task.Run(() => SingleWriter.TryFence(persistence, name)).PipeTo(self, success: fence => fence is null ? FenceBusy.Instance : new FenceTaken(fence),
            failure: e => new FenceBusy(e));
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
