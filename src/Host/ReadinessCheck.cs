using Actors.Tasks;
using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Actors.Host;

/// <summary>
/// <c>/health/ready</c>: the service's start-up is done (<see cref="ServiceStartup"/>), the actor system is not shutting down,
/// (in a cluster) this node is an Up member, and the task queue answers.
/// </summary>
internal sealed class ReadinessCheck(ActorSystem system, ITaskQueue queue, IConfiguration configuration, ServiceStartup startup) : IHealthCheck
{
    private readonly bool _clustered = ClusterSettings.From(configuration).Enabled;

    public const string Tag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (CoordinatedShutdown.Get(system).ShutdownReason is { } reason)
        {
            return HealthCheckResult.Unhealthy($"Shutting down ({reason.GetType().Name}): no new tasks are accepted.");
        }

        if (!startup.Done)
        {
            return HealthCheckResult.Unhealthy($"Start-up: {startup.State}.");
        }

        if (_clustered && Akka.Cluster.Cluster.Get(system).SelfMember.Status is var membership && membership != Akka.Cluster.MemberStatus.Up)
        {
            return HealthCheckResult.Unhealthy($"This node is not an Up member of the cluster yet ({membership}).");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var status = await queue.GetStatusAsync(timeout.Token);
            return status.AcceptsSubmits ? HealthCheckResult.Healthy(status.Reason) : HealthCheckResult.Unhealthy(status.Reason);
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The task queue did not answer within 2 s (restarting after a failed journal write, or overloaded).");
        }
    }
}
