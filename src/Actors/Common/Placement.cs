using Akka.Actor;
using Akka.Cluster.Tools.Singleton;

namespace Actors.Common;

/// <summary>
/// Where an actor that must exist once runs: in a cluster, as a cluster singleton (on the oldest member,
/// moving when it leaves or dies) reached through a proxy on every node; without a cluster, here.
/// </summary>
internal static class Placement
{
    private const string SingletonName = "singleton";

    /// <summary>Whether the actor system is a cluster member (its provider is the cluster's).</summary>
    public static bool IsCluster(ActorSystem system) =>
        system.Settings.ProviderClass.StartsWith("Akka.Cluster.ClusterActorRefProvider", StringComparison.Ordinal);

    /// <summary>This node's address (<c>akka.tcp://name@host:port</c> in a cluster, <c>akka://name</c> without one).</summary>
    public static string NodeAddress(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

    /// <summary>Starts <paramref name="props"/> once (in the whole cluster, or here) under <paramref name="name"/>; returns the reference to talk to.</summary>
    /// <param name="system">The actor system.</param>
    /// <param name="props">The actor.</param>
    /// <param name="name">Its name under <c>/user</c>.</param>
    /// <param name="handOver">In a cluster, what the singleton is sent when its node leaves (it must stop itself); <see cref="PoisonPill"/> by default.</param>
    public static IActorRef StartOnce(ActorSystem system, Props props, string name, object? handOver = null)
    {
        if (!IsCluster(system))
        {
            return system.ActorOf(props, name);
        }

        system.ActorOf(ClusterSingletonManager.Props(props, handOver ?? PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithSingletonName(SingletonName)), name);
        return system.ActorOf(ClusterSingletonProxy.Props($"/user/{name}", ClusterSingletonProxySettings.Create(system).WithSingletonName(SingletonName)), $"{name}-proxy");
    }
}
