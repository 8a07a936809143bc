using Actors.Common;
using Akka;
using Actors.Durability;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Event;
using Akka.Pattern;

namespace Actors.Tasks;

/// <summary>Starts the task queue (what <c>WithTaskQueue</c> calls for you).</summary>
public static class TaskQueue
{
    /// <summary>In a cluster, the path a <c>ClusterClient</c> sends task queue commands to (<c>ClusterClient.Send</c>).</summary>
    public const string ClusterClientPath = "/user/tasks-proxy";

    /// <summary>The DistributedPubSub topic of task events in a cluster.</summary>
    internal const string EventTopic = "actors-task-events";

    /// <summary>The queue started in <paramref name="system"/>, or an error that says <paramref name="howToStart"/>.</summary>
    internal static ITaskQueue Started(ActorSystem system, string howToStart) => StartedFacade<ITaskQueue>.Get(system, howToStart);

    /// <summary>
    /// Starts the queue (<c>/user/tasks</c>) with one lane per definition. During CoordinatedShutdown
    /// (service-stop phase) it stops intake, lets running tasks finish within the grace period, then
    /// cancels them; waiting tasks stay recorded as waiting. In a cluster the queue is a singleton and every
    /// node runs an executor (<c>/user/tasks-executor</c>) with the lanes; at a node's shutdown only its
    /// executor drains (the queue carries on on the other nodes, and its attempts cut off run again there).
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
        var cluster = Placement.IsCluster(system);
        var props = TaskQueueActor.Props(definitions, settings, durability, remoteExecutors: cluster).WithMailbox(Mailboxes.EnsureConfigured(system, TaskQueueMailbox.Id, Configuration.ActorsConfig.Defaults));
        ClusterEvents.StartRelay(system, EventTopic);
        // One queue: in a cluster a singleton (the journal's one writer), reached through a proxy on every node.
        var queue = Placement.StartOnce(system, durability.IsDurable
            ? BackoffSupervisor.Props(Backoff.OnFailure(props, "queue", TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.2, -1))
            : props, "tasks", HandOverTasks.Instance);
        var shutdown = CoordinatedShutdown.Get(system);
        if (shutdown.Timeout(CoordinatedShutdown.PhaseServiceStop) <= settings.ShutdownGrace)
        {
            Logging.GetLogger(system, "Actors.Tasks").Warning(
                "The service-stop phase times out after {0}, within the shutdown grace ({1}): running tasks get less than the grace. Set akka.coordinated-shutdown.phases.service-stop.timeout above actors.tasks.shutdown-grace.",
                shutdown.Timeout(CoordinatedShutdown.PhaseServiceStop), settings.ShutdownGrace);
        }

        if (cluster)
        {
            // Processes outside the cluster reach the queue through ClusterClient: Send("/user/tasks-proxy", new SubmitTask(...)).
            ClusterClientReceptionist.Get(system).RegisterService(queue);
        }

        // Without a cluster the queue drains; in one, this node's executor does, and the queue moves on to the next oldest node.
        var draining = cluster
            ? system.ActorOf(TaskExecutorActor.Props(definitions, queue, Placement.NodeAddress(system), settings.ShutdownGrace), "tasks-executor")
            : queue;
        object drain = cluster ? DrainExecutor.Instance : DrainTasks.Instance;
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "drain-tasks", async () =>
        {
            await draining.Ask<Done>(drain, settings.ShutdownGrace + settings.AskTimeout).ConfigureAwait(false);
            return Done.Instance;
        });
        var client = new TaskQueueClient(system, queue, settings.AskTimeout);
        StartedFacade<ITaskQueue>.For(system).Value = client;
        return client;
    }
}
