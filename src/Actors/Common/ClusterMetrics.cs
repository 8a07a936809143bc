using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Actors.Telemetry;
using Akka.Actor;
using Akka.Cluster;

namespace Actors.Common;

/// <summary>
/// <c>actors.cluster.members</c> (<see cref="ActorsTelemetry.ClusterMeter"/>): the members each node of this process sees,
/// by status (<c>up</c>, <c>joining</c>, <c>leaving</c>, ..., and <c>unreachable</c>), tagged with the node's address. Read
/// when an exporter collects, from the cluster's own view of its state (safe to read from any thread).
/// </summary>
internal static class ClusterMetrics
{
    private static readonly Meter Meter = new(ActorsTelemetry.ClusterMeter, typeof(ClusterMetrics).Assembly.GetName().Version?.ToString());
    private static readonly ConcurrentDictionary<ActorSystem, byte> Nodes = new();

    static ClusterMetrics() => Meter.CreateObservableGauge("actors.cluster.members", Observe, "{member}", "Cluster members this node sees, by status.");

    /// <summary>Reports this cluster node's view from now until its actor system terminates (once per system).</summary>
    public static void Watch(ActorSystem system)
    {
        if (Nodes.TryAdd(system, 0))
        {
            system.WhenTerminated.ContinueWith(terminated => Nodes.TryRemove(system, out var _), TaskScheduler.Default);
        }
    }

    private static IEnumerable<Measurement<int>> Observe()
    {
        foreach (var system in Nodes.Keys)
        {
            var cluster = Cluster.Get(system);
            var node = new KeyValuePair<string, object?>("node", cluster.SelfAddress.ToString());
            var state = cluster.State;
            foreach (var status in state.Members.GroupBy(member => member.Status))
            {
                yield return new Measurement<int>(status.Count(), node, new KeyValuePair<string, object?>("status", status.Key.ToString().ToLowerInvariant()));
            }

            yield return new Measurement<int>(state.Unreachable.Count, node, new KeyValuePair<string, object?>("status", "unreachable"));
        }
    }
}
