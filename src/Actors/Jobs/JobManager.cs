using Akka;
using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

/// <summary>Starts and finds job managers in an actor system (what <c>WithJobManager</c> calls for you).</summary>
public static class JobManager
{
    /// <summary>The DistributedPubSub topic of job lifecycle events in a cluster.</summary>
    internal const string EventTopic = "actors-job-events";

    /// <summary>
    /// Starts a job manager named <paramref name="name"/> as a top-level actor (<c>/user/jobs-&lt;name&gt;</c>)
    /// and returns its facade. Its settings come from <c>actors.jobs</c> and <paramref name="options"/>.
    /// During CoordinatedShutdown (service-stop phase) it stops its jobs gracefully and starts no new ones.
    /// </summary>
    /// <remarks>
    /// On a cluster, a kind with a <paramref name="create"/> function (or <paramref name="durability"/>, whose
    /// restore function serves) is sharded instead: a shard region <c>/system/sharding/jobs-&lt;name&gt;</c> on every
    /// node, one job per key in the whole cluster, started with <see cref="IJobManager{TState,TAction}.RunJobAsync(string, TState, CancellationToken)"/>
    /// (a factory cannot travel to the node that owns the key). Without either, each node runs its own jobs.
    /// </remarks>
    /// <param name="system">The actor system.</param>
    /// <param name="name">Letters, digits, '-' and '_'; unique in the system.</param>
    /// <param name="options">Overrides of the HOCON settings.</param>
    /// <exception cref="ArgumentException">The name is not valid.</exception>
    /// <param name="durability">Opt-in: remember the running jobs and restore them after a restart (needs the system's store, <c>WithDurability</c>).</param>
    /// <exception cref="Akka.Configuration.ConfigurationException">Durable, but no store is configured.</exception>
    /// <param name="create">
    /// Builds a job from its key and initial state, for <see cref="IJobManager{TState,TAction}.RunJobAsync(string, TState, CancellationToken)"/>
    /// and <see cref="RunJobFromState{TState}"/>; defaults to <paramref name="durability"/>'s restore function.
    /// </param>
    /// <exception cref="InvalidOperationException">A manager with that name already runs.</exception>
    public static IJobManager<TState, TAction> Start<TState, TAction>(ActorSystem system, string name, JobManagerOptions? options = null,
        JobDurability<TState, TAction>? durability = null, Func<string, TState, Job<TState, TAction>>? create = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ValidateName(name);
        var settings = JobManagerSettings.Create(system, name).With(options);
        var registry = JobManagerRegistry.For(system);
        InvalidOperationException NameTaken() =>
            new($"A job manager named '{name}' is already running in actor system '{system.Name}'; give each manager its own name.");
        if (registry.Names.Contains(name, StringComparer.Ordinal))
        {
            throw NameTaken();
        }

        if (durability is not null)
        {
            Durability.DurabilitySettings.Required(system, $"Job manager '{name}'");
        }

        StartSchedulerEarly(system);
        JobWireTypes.For(system).Register<TState, TAction>(name);
        JobEventRelay.StartOnce(system);
        create ??= durability is null ? null : durability.Restore;
        if (Common.Placement.IsCluster(system) && create is not null)
        {
            var region = JobSharding.StartRegion(system, name, settings, create, durability);
            var sharded = new JobManagerClient<TState, TAction>(system, name, region, settings, sharded: true);
            return registry.TryAdd(name, sharded) ? sharded : throw NameTaken();
        }

        if (Common.Placement.IsCluster(system))
        {
            system.Log.Warning("Job manager {0} runs its jobs on this node only: give it a create function (or durability) to shard it over the cluster", name);
        }

        var actor = system.ActorOf(JobManagerActor<TState, TAction>.Props(name, settings, durability, create), $"jobs-{name}");
        var manager = new JobManagerClient<TState, TAction>(system, name, actor, settings);
        if (!registry.TryAdd(name, manager))
        {
            // Started concurrently under the same name.
            system.Stop(actor);
            throw NameTaken();
        }

        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, $"stop-jobs-{name}", async () =>
        {
            await actor.Ask<Done>(StopAllJobs.Instance, settings.StopTimeout + settings.AskTimeout).ConfigureAwait(false);
            return Done.Instance;
        });
        return manager;
    }

    /// <summary>
    /// Gives the state and action types of the job kind <paramref name="kind"/> their names on the wire, in a system that
    /// does not start the kind but sends it messages: an outside process that dispatches actions through a
    /// <c>ClusterClient</c>. (Starting a kind registers them.)
    /// </summary>
    /// <exception cref="InvalidOperationException">The kind's name is taken by other types.</exception>
    public static void RegisterWireTypes<TState, TAction>(ActorSystem system, string kind)
    {
        ArgumentNullException.ThrowIfNull(system);
        ValidateName(kind);
        JobWireTypes.For(system).Register<TState, TAction>(kind);
    }

    /// <summary>The path a <c>ClusterClient</c> sends a sharded kind's commands to (<c>ClusterClient.Send</c>): its shard region.</summary>
    public static string ClusterClientPath(string kind) => $"/system/sharding/{JobSharding.TypeName(kind)}";

    /// <summary>The facade of the manager started under <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No such manager, or it runs other types.</exception>
    public static IJobManager<TState, TAction> Get<TState, TAction>(ActorSystem system, string name)
    {
        ArgumentNullException.ThrowIfNull(system);
        return JobManagerRegistry.For(system).Get<TState, TAction>(name);
    }

    /// <summary>Starts this node's relay of job events once, whichever kind starts first.</summary>
    private sealed class JobEventRelay : IExtension
    {
        public static void StartOnce(ActorSystem system) => system.WithExtension<JobEventRelay, Provider>();

        private sealed class Provider : ExtensionIdProvider<JobEventRelay>
        {
            public override JobEventRelay CreateExtension(ExtendedActorSystem system)
            {
                Common.ClusterEvents.StartRelay(system, EventTopic);
                return new JobEventRelay();
            }
        }
    }

    /// <summary>
    /// Akka's default scheduler starts its worker on first use and blocks its first callers until the
    /// worker runs, which needs a pool thread. If that first use is thousands of stopping jobs at once,
    /// the pool starves. Starting it here, once, on the caller's thread, keeps dispatcher threads clear of it.
    /// </summary>
    private static void StartSchedulerEarly(ActorSystem system) =>
        system.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromDays(1), ActorRefs.Nobody, Done.Instance, ActorRefs.NoSender).Cancel();

    internal static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"A job manager name must be non-empty and made of ASCII letters, digits, '-' and '_' (it names an actor and a HOCON section); '{name}' is not.", nameof(name));
        }
    }
}
