using Actors.Jobs;
using Akka.Hosting;

namespace Actors.Hosting;

/// <summary>Akka.Hosting extensions for keyed jobs.</summary>
public static class JobsHostingExtensions
{
    /// <summary>
    /// Starts a job manager named <paramref name="name"/> with the actor system. Its actor is registered
    /// in the <see cref="ActorRegistry"/> under <see cref="IJobManager{TState,TAction}"/> (the first
    /// manager of those types), so actors get it with <c>IRequiredActor&lt;IJobManager&lt;TState, TAction&gt;&gt;</c>;
    /// code that is not an actor resolves <see cref="IJobManager{TState,TAction}"/> or <see cref="IJobManagers"/>
    /// from DI (registered by <c>services.AddActors</c>).
    /// </summary>
    /// <param name="builder">The Akka builder.</param>
    /// <param name="name">The manager's name: ASCII letters, digits, '-' and '_'.</param>
    /// <param name="configure">Overrides of its HOCON settings (<c>actors.jobs.managers.&lt;name&gt;</c>).</param>
    /// <param name="durability">Opt-in: remember the running jobs and run them again, from their last state, after a restart.</param>
    /// <param name="create">
    /// Builds a job from its key and initial state (<c>RunJobAsync(key, initialState)</c>); on a cluster, a kind
    /// with one (or with durability) is sharded over the nodes (see <see cref="JobManager.Start{TState,TAction}"/>).
    /// </param>
    public static AkkaConfigurationBuilder WithJobManager<TState, TAction>(this AkkaConfigurationBuilder builder, string name, Action<JobManagerOptions>? configure = null,
        JobDurability<TState, TAction>? durability = null, Func<string, TState, Job<TState, TAction>>? create = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        JobManager.ValidateName(name);
        var options = new JobManagerOptions();
        configure?.Invoke(options);
        builder.WithActorsDefaults();
        var overrides = options.ToConfig(name);
        if (!overrides.IsEmpty)
        {
            builder.AddHocon(overrides, HoconAddMode.Prepend);
        }

        return builder.WithActors((system, registry) =>
        {
            var manager = JobManager.Start(system, name, durability: durability, create: create);
            registry.TryRegister<IJobManager<TState, TAction>>(manager.Manager);
        });
    }
}
