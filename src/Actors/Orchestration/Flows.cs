using Actors.Durability;
using Actors.Tasks;
using Akka.Actor;

namespace Actors.Orchestration;

/// <summary>Starts the flow manager (what <c>WithFlows</c> calls for you).</summary>
public static class Flows
{
    /// <summary>The most nodes a flow may have.</summary>
    public const int MaxNodes = FlowManagerActor.MaxNodes;

    /// <summary>
    /// Starts the flow manager (<c>/user/flows</c>) over a started task queue. With a store (<paramref name="durability"/>, or the
    /// system's <c>actors.durability</c>), flows are kept in its journal and resume after a restart.
    /// </summary>
    /// <param name="system">The actor system.</param>
    /// <param name="queue">The task queue the nodes' tasks run on.</param>
    /// <param name="durability">Where flows are kept; null for the system's store.</param>
    /// <param name="settings">Overrides of <c>actors.orchestration.flows</c>; null to read them from the configuration.</param>
    /// <exception cref="NotSupportedException">The actor system is a cluster member: flows run on one node for now.</exception>
    public static IFlowRunner Start(ActorSystem system, ITaskQueue queue, DurabilitySettings? durability = null, FlowSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(queue);
        if (Common.Placement.IsCluster(system))
        {
            throw new NotSupportedException("Flows run on a single node for now; this actor system is a cluster member. Run flows on a service without a cluster.");
        }

        durability ??= DurabilitySettings.Create(system);
        settings = (settings ?? FlowSettings.Create(system)).Validated();
        var manager = system.ActorOf(FlowManagerActor.Props(queue.Queue, settings, durability.IsDurable), "flows");
        var runner = new FlowRunnerClient(manager, settings.AskTimeout);
        Common.StartedFacade<IFlowRunner>.For(system).Value = runner;
        return runner;
    }
}
