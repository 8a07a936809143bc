using Akka.Actor;

namespace Actors.Host.Api;

/// <summary><c>GET /api/cluster</c>: the members this node sees (for the dashboard and operators), or that the service runs alone.</summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/cluster", (ActorSystem system, IConfiguration configuration) => Results.Ok(View(system, ClusterSettings.From(configuration).Enabled)))
            .WithTags("Cluster").WithSummary("The cluster's members as this node sees them (status, roles, reachability, leader); clustered: false when the service runs alone")
            .Produces<ClusterView>();

    private static ClusterView View(ActorSystem system, bool clustered)
    {
        if (!clustered)
        {
            return new ClusterView(false, null, null, []);
        }

        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(member => member.Address).ToHashSet();
        return new ClusterView(true, cluster.SelfAddress.ToString(), state.Leader?.ToString(), state.Members
            .Select(member => new ClusterMemberView(member.Address.ToString(), member.Status.ToString().ToLowerInvariant(), member.Roles.Order().ToList(),
                !unreachable.Contains(member.Address)))
            .OrderBy(member => member.Address, StringComparer.Ordinal)
            .ToList());
    }
}

/// <summary>What <c>GET /api/cluster</c> answers: whether the service is a cluster node, which, its leader, and its members.</summary>
public sealed record ClusterView(bool Clustered, string? Self, string? Leader, IReadOnlyList<ClusterMemberView> Members);

/// <summary>A cluster member as this node sees it.</summary>
public sealed record ClusterMemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);
