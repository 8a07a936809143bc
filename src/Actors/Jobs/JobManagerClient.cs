using Akka.Actor;

namespace Actors.Jobs;

/// <summary>The <see cref="IJobManager{TState,TAction}"/> facade: Ask and Tell over the manager's protocol.</summary>
internal sealed class JobManagerClient<TState, TAction>(ActorSystem system, string name, IActorRef manager, JobManagerSettings settings)
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
        var result = await Manager.Ask<RunJobResult>(new RunJob<TState, TAction>(key, factory), Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return result is JobRejected rejected ? throw new JobRejectedException(rejected) : result;
    }

    public async Task<IJobHandle<TState, TAction>?> GetRunningJobAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var running = await Manager.Ask<RunningJob>(new GetRunningJob(key), Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return running is { Job: { } job, Cell: JobCell<TState> cell } ? new JobHandle<TState, TAction>(this, job, cell) : null;
    }

    public async Task<IReadOnlyList<string>> GetRunningJobKeysAsync(CancellationToken cancellationToken = default)
    {
        var running = await Manager.Ask<RunningJobs>(GetRunningJobs.Instance, Settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return running.Keys;
    }

    public override string ToString() => $"job manager '{Name}' of Job<{typeof(TState).Name}, {typeof(TAction).Name}>";
}
