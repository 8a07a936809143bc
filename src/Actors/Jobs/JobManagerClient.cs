using Actors.Common;
using Akka.Actor;

namespace Actors.Jobs;

/// <summary>The <see cref="IJobManager{TState,TAction}"/> facade: Ask and Tell over the manager's protocol.</summary>
/// <param name="system">The actor system.</param>
/// <param name="name">The manager's name.</param>
/// <param name="manager">The manager's actor, or the kind's shard region when <paramref name="sharded"/>.</param>
/// <param name="settings">The manager's settings.</param>
/// <param name="sharded">Whether the kind is sharded over a cluster.</param>
internal sealed class JobManagerClient<TState, TAction>(ActorSystem system, string name, IActorRef manager, JobManagerSettings settings, bool sharded = false)
    : IJobManager<TState, TAction>
{
    public string Name { get; } = name;

    public IActorRef Manager { get; } = manager;

    internal ActorSystem System { get; } = system;

    internal JobManagerSettings Settings { get; } = settings;

    public async Task<RunJobResult> RunJobAsync(string key, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfSharded(key, nameof(RunJobAsync));
        return Rejected(await Manager.AskLocal<RunJobResult>(new RunJob<TState, TAction>(key, factory), Settings.AskTimeout, cancellationToken).ConfigureAwait(false));
    }

    public async Task DispatchAsync(string key, TAction action, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfSharded(key, nameof(DispatchAsync));
        var reply = await Manager.AskLocal<object>(new RunJobAndDispatch<TState, TAction>(key, action, factory), Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        switch (reply)
        {
            case JobRejected rejected:
                throw new JobRejectedException(rejected);
            case DispatchResult result:
                JobHandle<TState, TAction>.ThrowIfNotHandled(result);
                break;
            default:
                throw new InvalidOperationException($"Job manager '{Name}' answered {reply.GetType().Name} to RunJobAndDispatch for key '{key}'.");
        }
    }

    public async Task<RunJobResult> RunJobAsync(string key, TState initialState, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Rejected(await Manager.AskLocal<RunJobResult>(new RunJobFromState<TState>(key, initialState), Settings.AskTimeout, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IJobHandle<TState, TAction>?> GetRunningJobAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var running = await Manager.AskLocal<RunningJob>(new GetRunningJob(key), Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return running is { Job: { } job, Cell: JobCell<TState> cell } ? new JobHandle<TState, TAction>(this, job, cell) : null;
    }

    public async Task<IReadOnlyList<string>> GetRunningJobKeysAsync(CancellationToken cancellationToken = default)
    {
        if (sharded)
        {
            return await JobSharding.RunningKeysAsync(System, Name, Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        }

        var running = await Manager.AskLocal<RunningJobs>(GetRunningJobs.Instance, Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return running.Keys;
    }

    public override string ToString() => $"{(sharded ? "sharded " : string.Empty)}job manager '{Name}' of Job<{typeof(TState).Name}, {typeof(TAction).Name}>";

    private void ThrowIfSharded(string key, string method)
    {
        if (sharded)
        {
            throw new JobRejectedException(new JobRejected(key,
                $"Job manager '{Name}' is sharded over the cluster, and a factory cannot travel to the node that owns key '{key}'; {method} with a factory works in process only. Call RunJobAsync(key, initialState): the kind's create function builds the job there."));
        }
    }

    private static RunJobResult Rejected(RunJobResult result) => result is JobRejected rejected ? throw new JobRejectedException(rejected) : result;
}
