using Akka.Actor;
using Akka.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

/// <summary>Where task attempts get their DI scopes: the service provider the actor system was started with (Akka.Hosting sets it).</summary>
internal static class TaskServices
{
    /// <summary>The system's scope factory; null for a system started without DI.</summary>
    public static IServiceScopeFactory? ScopeFactory(ActorSystem system) =>
        system.Settings.Setup.Get<DependencyResolverSetup>().HasValue && DependencyResolver.For(system).Resolver is ServiceProviderDependencyResolver resolver
            ? resolver.ServiceProvider.GetService<IServiceScopeFactory>()
            : null;
}

/// <summary>The services of an attempt without DI: none.</summary>
internal sealed class NoServices : IServiceProvider
{
    public static readonly NoServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
