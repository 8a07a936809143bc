using Akka.Actor;

namespace Actors.Jobs;

/// <summary>
/// Runs keyed jobs of one kind: one live job per key. A thin facade over a job manager actor; the same
/// can be done by sending it the messages in <c>JobsProtocol.cs</c>.
/// </summary>
/// <typeparam name="TState">The jobs' state.</typeparam>
/// <typeparam name="TAction">The actions the jobs accept.</typeparam>
public interface IJobManager<TState, TAction>
{
    /// <summary>The manager's name, unique within its actor system.</summary>
    string Name { get; }

    /// <summary>The manager's actor, for message-driven use.</summary>
    IActorRef Manager { get; }

    /// <summary>
    /// Starts a job under <paramref name="key"/> unless one is running. Idempotent and race-free: of any
    /// number of concurrent calls for a key, one gets <see cref="JobCreated"/> and the rest
    /// <see cref="JobAlreadyRunning"/>; the factory runs only for the one.
    /// </summary>
    /// <exception cref="ArgumentException">The key is null or empty.</exception>
    /// <exception cref="ArgumentNullException">The factory is null.</exception>
    /// <exception cref="JobRejectedException">The factory threw or returned null, or the manager is shutting down.</exception>
    /// <remarks>A sharded manager (on a cluster) refuses this form: a factory cannot travel to the node that owns the key.</remarks>
    Task<RunJobResult> RunJobAsync(string key, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a job under <paramref name="key"/> from <paramref name="initialState"/> unless one is running, built by the
    /// kind's create function (given when the manager was started) on the node that runs it. Idempotent and race-free
    /// like the factory form, and in the whole cluster when the manager is sharded.
    /// </summary>
    /// <exception cref="ArgumentException">The key is null or empty.</exception>
    /// <exception cref="JobRejectedException">The manager has no create function, the function threw, or the manager is shutting down.</exception>
    Task<RunJobResult> RunJobAsync(string key, TState initialState, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends <paramref name="action"/> to the job under <paramref name="key"/>, starting the job with
    /// <paramref name="factory"/> first when none runs, and completes once the job has handled it: a job activated on
    /// first use, in one message to the manager (see <see cref="RunJobAndDispatch{TState,TAction}"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The key is null or empty.</exception>
    /// <exception cref="ArgumentNullException">The factory is null.</exception>
    /// <exception cref="JobRejectedException">No job ran and none could be started: the factory threw or returned null, or the manager is shutting down.</exception>
    /// <exception cref="JobActionRejectedException">The job refused the action (it is stopping) or its handler threw.</exception>
    /// <remarks>A sharded manager (on a cluster) refuses this form, as it refuses a factory in <see cref="RunJobAsync(string, Func{Job{TState,TAction}}, CancellationToken)"/>.</remarks>
    Task DispatchAsync(string key, TAction action, Func<Job<TState, TAction>> factory, CancellationToken cancellationToken = default);

    /// <summary>The job running under <paramref name="key"/>, or <see langword="null"/>.</summary>
    Task<IJobHandle<TState, TAction>?> GetRunningJobAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The keys of all running jobs.</summary>
    Task<IReadOnlyList<string>> GetRunningJobKeysAsync(CancellationToken cancellationToken = default);
}

/// <summary>A running job, as seen from outside: its state, its actions, its end.</summary>
/// <typeparam name="TState">The job's state.</typeparam>
/// <typeparam name="TAction">The actions the job accepts.</typeparam>
public interface IJobHandle<TState, TAction>
{
    /// <summary>The key the job runs under.</summary>
    string Key { get; }

    /// <summary>The job's actor, for message-driven use.</summary>
    IActorRef Job { get; }

    /// <summary>
    /// The job's current state, read without a round trip. For a job on another node of a cluster, the state when the
    /// handle was obtained, kept current from the first use of <see cref="Completion"/>, <see cref="OnStopped"/> or a watch on.
    /// </summary>
    TState State { get; }

    /// <summary>The current state with its version (see <see cref="State"/> for a job on another node).</summary>
    JobStateChanged<TState> Current { get; }

    /// <summary>Completes with how the job ended, once its manager has let go of its key.</summary>
    Task<JobStopped> Completion { get; }

    /// <summary>Sends an action; the job handles actions one at a time, in the order sent.</summary>
    /// <exception cref="InvalidOperationException">The job has already stopped.</exception>
    void Dispatch(TAction action);

    /// <summary>Sends an action and completes once the job has handled it.</summary>
    /// <exception cref="JobActionRejectedException">The job refused it (it is stopping) or its handler threw.</exception>
    Task DispatchAsync(TAction action, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="listener"/> with every state that follows the current one, in version
    /// order, on a dedicated actor (one call at a time). Dispose the result to stop listening.
    /// </summary>
    IDisposable OnStateChange(Action<TState> listener);

    /// <summary>Calls <paramref name="listener"/> once, when the job has stopped (at once if it has).</summary>
    IDisposable OnStopped(Action<JobStopped> listener);

    /// <summary>
    /// Yields the current state, then every change in version order, and ends when the job stops.
    /// Await <see cref="Completion"/> for how it ended.
    /// </summary>
    IAsyncEnumerable<JobStateChanged<TState>> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops the job: its cancellation token fires, and this completes once its actor has stopped (its
    /// work and the action in hand have ended, or the stop timeout passed). Stopping a stopped job does nothing.
    /// </summary>
    Task<JobStopped> StopAsync(CancellationToken cancellationToken = default);
}
