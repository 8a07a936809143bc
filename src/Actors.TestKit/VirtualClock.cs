using Akka.Actor;
using Akka.TestKit;

namespace Actors.TestKit;

/// <summary>The virtual clock of a TestKit system configured with <see cref="ActorsTestConfig.VirtualTime"/>.</summary>
internal static class VirtualClock
{
    public static TestScheduler Of(ActorSystem system) =>
        system.Scheduler as TestScheduler
        ?? throw new InvalidOperationException(
            $"The actor system's scheduler is {system.Scheduler.GetType().Name}, not a virtual clock: build the TestKit with ActorsTestConfig.VirtualTime to advance time.");
}
