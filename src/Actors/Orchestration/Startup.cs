using Akka.Actor;

namespace Actors.Orchestration;

/// <summary>
/// Ordered start-up: components start concurrently, each once the components it depends on have started, the
/// highest priority first among those ready, never more than <see cref="StartupOptions.Concurrency"/> at once.
/// </summary>
public static class Startup
{
    /// <summary>
    /// Starts <paramref name="components"/> and completes with the report once every one has started, failed (an
    /// optional one) or been skipped.
    /// </summary>
    /// <exception cref="StartupConfigurationException">A name is empty or repeated, a dependency is unknown, or the dependencies form a cycle (named in the message).</exception>
    /// <exception cref="StartupFailedException">A required component failed after its retries (named), or depends on one that did not start.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the components still starting were cancelled.</exception>
    public static async Task<StartupReport> RunAsync(ActorSystem system, IEnumerable<StartupComponent> components, StartupOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        options ??= StartupOptions.Create(system);
        if (options.Concurrency < 1 || options.DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new StartupConfigurationException($"A start-up's concurrency must be at least 1 and its default timeout positive; got {options}.");
        }

        var plan = StartupPlan.Of(components);
        var group = system.ActorOf(StartupGroupActor.Props(plan, options));
        await using var abandon = cancellationToken.Register(() => group.Tell(AbandonStartup.Instance));
        try
        {
            return await group.Ask<StartupReport>(RunStartup.Instance, timeout: null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Start-up was cancelled; the components still starting were cancelled too.", cancellationToken);
        }
    }
}
