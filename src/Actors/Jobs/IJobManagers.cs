using Akka.Actor;

namespace Actors.Jobs;

/// <summary>The job managers of the application's actor system, by name (for when several share types).</summary>
public interface IJobManagers
{
    /// <summary>The names of the managers started so far.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The manager named <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No such manager, or it runs other types.</exception>
    IJobManager<TState, TAction> Get<TState, TAction>(string name);
}

/// <summary>The DI implementation of <see cref="IJobManagers"/>.</summary>
internal sealed class JobManagers(ActorSystem system) : IJobManagers
{
    public IReadOnlyCollection<string> Names => JobManagerRegistry.For(system).Names.ToArray();

    public IJobManager<TState, TAction> Get<TState, TAction>(string name) => JobManager.Get<TState, TAction>(system, name);
}

/// <summary>
/// The DI implementation of <see cref="IJobManager{TState,TAction}"/>: the one manager of those types,
/// looked up on first use (DI may build it before the actor system has started its actors).
/// </summary>
internal sealed class RegisteredJobManager<TState, TAction>(ActorSystem system) : IJobManager<TState, TAction>
{
    private IJobManager<TState, TAction>? _manager;

    public string Name => Manager.Name;

    IActorRef IJobManager<TState, TAction>.Manager => Manager.Manager;

    private IJobManager<TState, TAction> Manager => _manager ??= JobManagerRegistry.For(system).GetOnly<TState, TAction>();

    public Task<RunJobResult> RunJobAsync(string key, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default) =>
        Manager.RunJobAsync(key, factory, cancellationToken);

    public Task<RunJobResult> RunJobAsync(string key, TState initialState, CancellationToken cancellationToken = default) =>
        Manager.RunJobAsync(key, initialState, cancellationToken);

    public Task DispatchAsync(string key, TAction action, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default) =>
        Manager.DispatchAsync(key, action, factory, cancellationToken);

    public Task<IJobHandle<TState, TAction>?> GetRunningJobAsync(string key, CancellationToken cancellationToken = default) =>
        Manager.GetRunningJobAsync(key, cancellationToken);

    public Task<IReadOnlyList<string>> GetRunningJobKeysAsync(CancellationToken cancellationToken = default) =>
        Manager.GetRunningJobKeysAsync(cancellationToken);
}
