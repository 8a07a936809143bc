using Actors.Common;
using Akka;
using Akka.Actor;
using Akka.Event;

namespace Actors.Compute;

/// <summary>Starts the compute pool (what <c>WithCompute</c> calls for you).</summary>
public static class ComputePool
{
    /// <summary>
    /// Starts the coordinator (<c>/user/compute</c>) and its round-robin pool of workers on the dedicated
    /// dispatcher <c>actors.compute.dispatcher</c> (a thread per worker). During CoordinatedShutdown (before-actor-system-terminate, after the task queue's grace period in service-stop) every run still going is cancelled.
    /// </summary>
    /// <param name="system">The actor system.</param>
    /// <param name="settings">Overrides of <c>actors.compute</c>; null to read them from the configuration.</param>
    public static IComputePool Start(ActorSystem system, ComputeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        settings = (settings ?? ComputeSettings.Create(system)).Validated();
        var coordinator = system.ActorOf(ComputeCoordinator.Props(settings, new ComputeWorkers()), "compute");
        // After service-stop: the task queue's grace period (in service-stop) may still be running compute tasks.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "cancel-work-runs", async () =>
        {
            await coordinator.Ask<Done>(CancelAllWorkRuns.Instance, settings.AskTimeout).ConfigureAwait(false);
            return Done.Instance;
        });
        var client = new ComputePoolClient(coordinator, settings, Logging.GetLogger(system, "Actors.Compute"));
        StartedFacade<IComputePool>.For(system).Value = client;
        return client;
    }
}
