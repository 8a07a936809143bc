using Actors.Thunks;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for thunk coordination.</summary>
public static class ThunksHostingExtensions
{
    /// <summary>
    /// Starts the thunk system with the actor system: a state store with <paramref name="reducer"/> and the
    /// <see cref="ThunkCoordinator"/> in front of it. The coordinator is registered in the <see cref="ActorRegistry"/>
    /// under its facade, <see cref="IThunkProcessor"/> (<c>IRequiredActor&lt;IThunkProcessor&gt;</c>), like every capability;
    /// code that is not an actor resolves <see cref="IThunkProcessor"/> from DI (registered by <c>services.AddActors</c>),
    /// which also reads the store's state (<see cref="IThunkProcessor.GetStateAsync{TState}"/>).
    /// With <paramref name="durability"/>, the coordinator checkpoints its version, trees, locks and waiting
    /// actions to the journal and resumes from them after a restart (docs/durability.md).
    /// </summary>
    public static AkkaConfigurationBuilder WithThunks<TState>(this AkkaConfigurationBuilder builder, TState initialState, Func<TState, object, TState> reducer,
        ThunkDurability? durability = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(reducer);
        builder.WithActorsDefaults();
        return builder.WithActors((system, registry) =>
        {
            var thunks = ThunkSystem.Start(system, initialState, reducer, durability);
            registry.Register<IThunkProcessor>(thunks.Coordinator);
        });
    }
}
