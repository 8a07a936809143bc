using Actors.Orchestration;
using Actors.Tasks;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for flows (DAGs of tasks).</summary>
public static class FlowsHostingExtensions
{
    /// <summary>
    /// Starts the flow manager over the task queue (call after <c>WithTaskQueue</c>). Its actor is registered in the
    /// <see cref="ActorRegistry"/> under <see cref="IFlowRunner"/>; code that is not an actor resolves <see cref="IFlowRunner"/> from DI.
    /// </summary>
    public static AkkaConfigurationBuilder WithFlows(this AkkaConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithActors((system, registry) =>
        {
            var queue = TaskQueue.Started(system, "Add akka.WithTaskQueue(tasks => tasks.Add(...)) before WithFlows().");
            registry.Register<IFlowRunner>(Flows.Start(system, queue).Manager);
        });
    }
}
