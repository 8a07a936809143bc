using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Benchmarks;

/// <summary>What every quick suite shares: fresh actor systems and the plain-Tell baseline.</summary>
internal static class BenchSystems
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.log-dead-letters = off");

    /// <summary>
    /// Runs <paramref name="measure"/> with the durability settings of a task queue journaled to the SQLite file
    /// <paramref name="journal"/> (in memory if null), in a new actor system configured for them.
    /// </summary>
    public static Task<T> InJournaledSystem<T>(string? journal, Func<ActorSystem, Actors.Durability.DurabilitySettings, Task<T>> measure, int snapshotInterval = 1_000_000)
    {
        var persistence = journal is null
            ? new Actors.Durability.DurabilitySettings(Actors.Durability.DurabilityProvider.None, "", 1)
            : new Actors.Durability.DurabilitySettings(Actors.Durability.DurabilityProvider.Sqlite, journal, snapshotInterval);
        var config = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off")
            .WithFallback(persistence.ToAkkaConfig()).WithFallback(Actors.Configuration.ActorsConfig.Defaults);
        return InFreshSystem(system => measure(system, persistence), config);
    }

    /// <summary>
    /// Runs <paramref name="measure"/> in a new actor system (with <paramref name="config"/> over the quiet defaults), terminated
    /// afterwards; the system's start and termination are left out of the round's time (<see cref="Measure.Exclude"/>).
    /// </summary>
    public static async Task<T> InFreshSystem<T>(Func<ActorSystem, Task<T>> measure, Config? config = null)
    {
        var starting = Stopwatch.GetTimestamp();
        var system = ActorSystem.Create("bench", config is null ? Quiet : Quiet.WithFallback(config));
        Measure.Exclude(Stopwatch.GetElapsedTime(starting));
        try
        {
            return await measure(system);
        }
        finally
        {
            var stopping = Stopwatch.GetTimestamp();
            await system.Terminate();
            Measure.Exclude(Stopwatch.GetElapsedTime(stopping));
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
