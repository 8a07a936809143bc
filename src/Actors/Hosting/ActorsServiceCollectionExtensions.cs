using Actors.Compute;
using Actors.Jobs;
using Actors.Tasks;
using Actors.Thunks;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Actors.Hosting;

/// <summary>DI registration of the actor system and the library's facades.</summary>
public static class ActorsServiceCollectionExtensions
{
    /// <summary>
    /// <c>AddAkka</c> with the library's defaults and facades: configure the system as usual, switching
    /// capabilities on with <c>With*</c> (for example <c>WithJobManager</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="actorSystemName">The actor system's name.</param>
    /// <param name="configure">Configures the actor system.</param>
    public static IServiceCollection AddActors(this IServiceCollection services, string actorSystemName, Action<AkkaConfigurationBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddAkka(actorSystemName, (builder, provider) =>
        {
            builder.WithActorsDefaults();
            configure(builder, provider);
        });
        return services.AddActorsFacades();
    }

    /// <summary>
    /// Registers the facades for code that is not an actor (<see cref="IJobManager{TState,TAction}"/>,
    /// <see cref="IJobManagers"/>, <see cref="IThunkProcessor"/>, <see cref="ITaskQueue"/>, <see cref="IComputePool"/>). <see cref="AddActors"/> calls it; call it yourself only when you use
    /// <c>AddAkka</c> directly. Calling it twice does nothing.
    /// </summary>
    public static IServiceCollection AddActorsFacades(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IJobManagers, JobManagers>();
        services.TryAddSingleton(typeof(IJobManager<,>), typeof(RegisteredJobManager<,>));
        services.TryAddSingleton<IThunkProcessor, RegisteredThunkProcessor>();
        services.TryAddSingleton<ITaskQueue, RegisteredTaskQueue>();
        services.TryAddSingleton<IComputePool, RegisteredComputePool>();
        return services;
    }
}
