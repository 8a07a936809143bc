using Actors.Tasks;
using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Actors.Host;

/// <summary><c>/health/ready</c>: the actor system is up, not shutting down, and the task queue answers.</summary>
internal sealed class ReadinessCheck(ActorSystem system, ITaskQueue queue) : IHealthCheck
{
    public const string Tag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (CoordinatedShutdown.Get(system).ShutdownReason is { } reason)
        {
            return HealthCheckResult.Unhealthy($"Shutting down ({reason.GetType().Name}): no new tasks are accepted.");
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
