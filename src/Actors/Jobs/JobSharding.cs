using Actors.Configuration;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;

namespace Actors.Jobs;

/// <summary>
/// A job kind on a cluster: a shard region (<c>/system/sharding/jobs-&lt;kind&gt;</c>) whose entity id is the
/// job's key, so that one job per key runs in the whole cluster and any node reaches it. A durable kind
/// remembers its entities (in the shared journal), so a dead node's jobs start again on another node
/// from their last checkpoint.
/// </summary>
internal static class JobSharding
{
    /// <summary>The shard region's type name of the kind <paramref name="kind"/>.</summary>
    public static string TypeName(string kind) => $"jobs-{kind}";

    /// <summary>Starts this node's region of the kind and registers it with the ClusterClient receptionist.</summary>
    public static IActorRef StartRegion<TState, TAction>(ActorSystem system, string kind, JobManagerSettings settings,
        Func<string, TState, Job<TState, TAction>> create, JobDurability<TState, TAction>? durability)
    {
        var config = ActorsConfig.For(system);
        var shards = config.GetInt("actors.jobs.cluster.shards");
        if (shards < 1)
        {
            throw new ConfigurationException($"actors.jobs.cluster.shards must be at least 1; it is {shards}.");
        }

        // A durable kind keeps the coordinator's state and its remembered keys in the shared journal; a kind
        // that forgets its jobs on a restart needs neither, and its coordinator keeps its state in memory (ddata).
        var mode = ConfigurationFactory.ParseString(durability is null
            ? "state-store-mode = ddata\nremember-entities = off"
            : "state-store-mode = persistence\nremember-entities = on\nremember-entities-store = eventsourced");
        var sharding = ClusterSharding.Get(system);
        var shardingSettings = ClusterShardingSettings.Create(
            mode.WithFallback(system.Settings.Config.GetConfig("akka.cluster.sharding")),
            system.Settings.Config.GetConfig("akka.cluster.singleton"));
        var region = sharding.Start(TypeName(kind),
            key => JobManagerActor<TState, TAction>.Props(kind, settings, durability, create, entityKey: key),
            shardingSettings, new KeyExtractor(shards), sharding.DefaultShardAllocationStrategy(shardingSettings),
            JobEntityMessage.HandOff.Instance);
        ClusterClientReceptionist.Get(system).RegisterService(region);
        return region;
    }

    /// <summary>The keys of the kind's jobs on every member (the entities each region hosts).</summary>
    public static async Task<IReadOnlyList<string>> RunningKeysAsync(ActorSystem system, string kind, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var members = Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up).ToArray();
        var states = await Task.WhenAll(members.Select(member =>
            system.ActorSelection(new RootActorPath(member.Address) / "system" / "sharding" / TypeName(kind))
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout, cancellationToken))).ConfigureAwait(false);
        return states.SelectMany(state => state.Shards).SelectMany(shard => shard.EntityIds).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Entity id = the command's key; shard = a stable hash of it.</summary>
    private sealed class KeyExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => message switch
        {
            IJobManagerCommand command => command.Key,
            _ => null,
        };
    }
}
