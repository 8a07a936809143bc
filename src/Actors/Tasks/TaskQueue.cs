using Actors.Common;
using Akka;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;

namespace Actors.Tasks;

/// <summary>Starts the task queue (what <c>WithTaskQueue</c> calls for you).</summary>
public static class TaskQueue
{
    /// <summary>The DistributedPubSub topic of task events in a cluster.</summary>
    internal const string EventTopic = "actors-task-events";

    /// <summary>
    /// Starts the queue (<c>/user/tasks</c>) with one lane per definition. During CoordinatedShutdown
    /// (service-stop phase) it stops intake, lets running tasks finish within the grace period, then
    /// cancels them; waiting tasks stay recorded as waiting.
    /// </summary>
    /// <param name="system">The actor system; its configuration must include <c>hocon/tasks.conf</c> (<c>WithTaskQueue</c> adds it).</param>
    /// <param name="definitions">The task types; names must be unique.</param>
    /// <param name="settings">Overrides of <c>actors.tasks</c>; null to read them from the configuration.</param>
    /// <param name="durability">Where the queue keeps its journal; null for the system's store (<c>actors.durability</c>,
    /// set by <c>WithDurability</c>). With a store the queue runs under a backoff supervisor and restarts from its journal after a failed write.</param>
    /// <exception cref="ArgumentException">Two definitions share a name.</exception>
    public static ITaskQueue Start(ActorSystem system, IReadOnlyCollection<TaskDefinition> definitions, TaskQueueSettings? settings = null, DurabilitySettings? durability = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(definitions);
        settings = (settings ?? TaskQueueSettings.Create(system)).Validated();
        var duplicate = definitions.GroupBy(d => d.Type, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Task type '{duplicate.Key}' is defined {duplicate.Count()} times; each type needs one definition.", nameof(definitions));
        }

        TaskTypes.For(system).Register(definitions);
        durability ??= DurabilitySettings.Create(system);
        SingleWriter.Claim(system, durability);
        var props = TaskQueueActor.Props(definitions, settings, durability);
        ClusterEvents.StartRelay(system, EventTopic);
        // One queue: in a cluster a singleton (the journal's one writer), reached through a proxy on every node.
        var queue = Placement.StartOnce(system, durability.IsDurable
            ? BackoffSupervisor.Props(Backoff.OnFailure(props, "queue", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.2, -1))
            : props, "tasks");
        var shutdown = CoordinatedShutdown.Get(system);
        if (shutdown.Timeout(CoordinatedShutdown.PhaseServiceStop) <= settings.ShutdownGrace)
        {
            Logging.GetLogger(system, "Actors.Tasks").Warning(
                "The service-stop phase times out after {0}, within the shutdown grace ({1}): running tasks get less than the grace. Set akka.coordinated-shutdown.phases.service-stop.timeout above actors.tasks.shutdown-grace.",
                shutdown.Timeout(CoordinatedShutdown.PhaseServiceStop), settings.ShutdownGrace);
        }

        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "drain-tasks", async () =>
        {
            // In a cluster, a node drains the queue only if it runs here; otherwise the queue carries on elsewhere.
            if (await Placement.LocalInstanceAsync(system, queue, "tasks", settings.AskTimeout).ConfigureAwait(false) is { } local)
            {
                await local.Ask<Done>(DrainTasks.Instance, settings.ShutdownGrace + settings.AskTimeout).ConfigureAwait(false);
            }

            return Done.Instance;
        });
        var client = new TaskQueueClient(system, queue, settings.AskTimeout);
        StartedFacade<ITaskQueue>.For(system).Value = client;
        return client;
    }
}
