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
    /// capabilities on with <c>With*</c> (for example <c>WithJobManager</c>). May be called more than once
    /// (say, once per module of an app): the calls configure one actor system, in the order they were made.
    /// </summary>
    /// <remarks>
    /// Akka's own log events (the library's included) go to the app's <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>,
    /// at Info and above, so they land wherever the app's logs do. To choose otherwise, call
    /// <c>akka.ConfigureLoggers(...)</c> in <paramref name="configure"/>: it replaces this default (for example
    /// <c>loggers.ClearLoggers(); loggers.AddLogger&lt;Akka.Logger.Serilog.SerilogLogger&gt;()</c> writes them with Serilog's static logger).
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="actorSystemName">The actor system's name; every call must name the same one.</param>
    /// <param name="configure">Configures the actor system.</param>
    /// <exception cref="InvalidOperationException">An earlier call named another actor system.</exception>
    public static IServiceCollection AddActors(this IServiceCollection services, string actorSystemName, Action<AkkaConfigurationBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.FirstOrDefault(d => d.ServiceType == typeof(ActorsConfigurations))?.ImplementationInstance is ActorsConfigurations earlier)
        {
            if (earlier.SystemName != actorSystemName)
            {
                throw new InvalidOperationException(
                    $"AddActors(\"{actorSystemName}\", ...) follows AddActors(\"{earlier.SystemName}\", ...): a service runs one actor system, so every call must name \"{earlier.SystemName}\".");
            }

            earlier.Add(configure);
            return services;
        }

        var configurations = new ActorsConfigurations(actorSystemName);
        configurations.Add(configure);
        services.AddSingleton(configurations);
        services.AddAkka(actorSystemName, (builder, provider) =>
        {
            builder.WithActorsDefaults().ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            configurations.Apply(builder, provider);
        });
        return services.AddActorsFacades();
    }

    /// <summary>Every <see cref="AddActors"/> call's configuration, applied to the one actor system in order.</summary>
    private sealed class ActorsConfigurations(string systemName)
    {
        private readonly List<Action<AkkaConfigurationBuilder, IServiceProvider>> _configure = [];

        public string SystemName { get; } = systemName;

        public void Add(Action<AkkaConfigurationBuilder, IServiceProvider> configure) => _configure.Add(configure);

        public void Apply(AkkaConfigurationBuilder builder, IServiceProvider provider) => _configure.ForEach(configure => configure(builder, provider));
    }

    /// <summary>
    /// Registers the facades for code that is not an actor (<see cref="IJobManager{TState,TAction}"/>,
    /// <see cref="IJobManagers"/>, <see cref="IThunkProcessor"/>, <see cref="ITaskQueue"/>, <see cref="IComputePool"/>, <see cref="Orchestration.IFlowRunner"/>). <see cref="AddActors"/> calls it; call it yourself only when you use
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
        services.TryAddSingleton<Orchestration.IFlowRunner, Orchestration.RegisteredFlowRunner>();
        return services;
    }
}
