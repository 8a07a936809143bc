using Akka.Actor;
using Akka.Configuration;

namespace Actors.Benchmarks;

/// <summary>What every quick suite shares: fresh actor systems and the plain-Tell baseline.</summary>
internal static class BenchSystems
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.log-dead-letters = off");

    /// <summary>Runs <paramref name="measure"/> in a new actor system (with <paramref name="config"/> over the quiet defaults), terminated afterwards.</summary>
    public static async Task<T> InFreshSystem<T>(Func<ActorSystem, Task<T>> measure, Config? config = null)
    {
        var system = ActorSystem.Create("bench", config is null ? Quiet : Quiet.WithFallback(config));
        try
        {
            return await measure(system);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>The baseline: <paramref name="count"/> Tells to a plain counting actor, until it has seen them all.</summary>
    public static async Task<int> TellAsync(ActorSystem system, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = system.ActorOf(Props.Create(() => new CountingActor(count, done)));
        for (var i = 0; i < count; i++)
        {
            actor.Tell(Tick.Instance);
        }

        await done.Task;
        return count;
    }
}
