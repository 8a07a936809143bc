using Actors.Compute;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for the compute pool.</summary>
public static class ComputeHostingExtensions
{
    /// <summary>
    /// Starts the compute pool with the actor system. Its coordinator is registered in the
    /// <see cref="ActorRegistry"/> under <see cref="IComputePool"/> (actors send it <see cref="RunWork"/>);
    /// code that is not an actor resolves <see cref="IComputePool"/> from DI (registered by <c>services.AddActors</c>).
    /// Settings come from <c>actors.compute</c> (HOCON or <c>appsettings.json</c>), overridden by <paramref name="configure"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithCompute(this AkkaConfigurationBuilder builder, Action<ComputeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ComputeOptions();
        configure?.Invoke(options);
        builder.WithActorsDefaults();
        var overrides = options.ToConfig();
        if (!overrides.IsEmpty)
        {
            builder.AddHocon(overrides, HoconAddMode.Prepend);
        }

        return builder.WithActors((system, registry) =>
        {
            var pool = ComputePool.Start(system);
            registry.Register<IComputePool>(pool.Coordinator);
        });
    }
}
