using Actors.Tasks;
using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Actors.Host;

/// <summary>
/// In <c>/health</c>: Degraded while a task type's circuit breaker is open or half open (the service runs; that type's
/// tasks wait), with every type's health (breaker, adaptive limit, error rate, p95 latency, rate limit) as data.
/// </summary>
internal sealed class TaskTypesHealthCheck(ITaskQueue queue) : IHealthCheck
{
    public const string Name = "task-types";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (await TryGetAsync(queue, cancellationToken) is not { } types)
        {
            return HealthCheckResult.Degraded("The task queue did not answer within 2 s (starting, moving, or overloaded).");
        }

        var data = types.ToDictionary(type => type.Name, type => (object)type);
        var tripped = types.Where(type => type.Circuit != TaskCircuitState.Closed).Select(type => $"{type.Name} ({type.Circuit})").ToList();
        return tripped.Count == 0
            ? HealthCheckResult.Healthy($"{types.Count} task types; no circuit breaker open.", data)
            : HealthCheckResult.Degraded($"Circuit breaker not closed: {string.Join(", ", tripped)}; their tasks wait.", data: data);
    }

    /// <summary>Every type's health, or null if the queue does not answer within 2 s.</summary>
    public static async Task<IReadOnlyList<TaskTypeHealth>?> TryGetAsync(ITaskQueue queue, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            return await queue.GetTypeHealthAsync(timeout.Token);
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
