using Actors.Tasks;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for the background task queue.</summary>
public static class TaskQueueHostingExtensions
{
    /// <summary>
    /// Starts the task queue with the actor system, with the task types that <paramref name="configure"/>
    /// adds. Its actor is registered in the <see cref="ActorRegistry"/> under <see cref="ITaskQueue"/>;
    /// code that is not an actor resolves <see cref="ITaskQueue"/> from DI (registered by <c>services.AddActors</c>).
    /// Settings come from <c>actors.tasks</c> (HOCON or <c>appsettings.json</c>).
    /// </summary>
    public static AkkaConfigurationBuilder WithTaskQueue(this AkkaConfigurationBuilder builder, Action<ICollection<TaskDefinition>> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var definitions = new List<TaskDefinition>();
        configure(definitions);
        builder.WithActorsDefaults();
        return builder.WithActors((system, registry) =>
        {
            var queue = TaskQueue.Start(system, definitions);
            registry.Register<ITaskQueue>(queue.Queue);
        });
    }
}
