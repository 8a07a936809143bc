using Akka.Event;

namespace Actors.Jobs;

/// <summary>
/// The base of a job kind: a unit of keyed, long-running work with a state that others can watch and
/// actions that others can dispatch to it. Each running job lives in its own actor.
/// </summary>
/// <remarks>
/// <para>
/// All of a job's code runs on its actor, one piece at a time: <see cref="RunAsync"/>, each
/// <see cref="HandleAsync"/>, and every continuation after an <c>await</c> in them (the actor installs a
/// synchronization context that turns continuations into messages to itself). A job therefore never
/// needs a lock for its own fields. Code after <c>ConfigureAwait(false)</c>, or inside <c>Task.Run</c>,
/// leaves the actor: from there, only <see cref="SetState"/> is safe, and it is applied on the actor.
/// </para>
/// <para>
/// Long CPU-bound work blocks the job's actor (it cannot handle actions or stop meanwhile): run it with
/// <c>Task.Run</c> or on the compute pool and await it.
/// </para>
/// </remarks>
/// <typeparam name="TState">The job's state; treat it as immutable (records are a good fit).</typeparam>
/// <typeparam name="TAction">The actions the job accepts.</typeparam>
public abstract class Job<TState, TAction>
{
    /// <summary>The actor hosting this job; null until the job is started.</summary>
    private IJobHost<TState>? _host;

    /// <summary>The work of a job that has none (<see cref="RunAsync"/> not overridden): its actor waits for a stop, not for this task.</summary>
    internal static readonly Task UntilStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously).Task;

    /// <summary>1 once a manager has accepted this instance (before its actor exists): a job runs once.</summary>
    private int _claimed;

    /// <summary>Creates the job with its initial state, which has version 0.</summary>
    /// <param name="initialState">The state before the job's work changes it.</param>
    protected Job(TState initialState)
    {
        State = initialState;
    }

    /// <summary>The key the job runs under.</summary>
    public string Key => Host.Key;

    /// <summary>The current state, as last set on the job's actor.</summary>
    public TState State { get; private set; }

    /// <summary>The current state's version: 0 initially, one more for each <see cref="SetState"/>.</summary>
    public long Version { get; private set; }

    /// <summary>The job's logger (Akka logging, which the host routes to Microsoft.Extensions.Logging).</summary>
    protected ILoggingAdapter Log => Host.Log;

    private IJobHost<TState> Host => _host ?? throw new InvalidOperationException(
        $"{GetType().Name} has not been started yet: pass a factory for it to RunJob instead of using it directly.");

    /// <summary>
    /// The job's work. It starts when the job is created; when it returns the job ends as completed,
    /// when it throws the job ends as failed. The token fires when the job is stopped.
    /// </summary>
    /// <remarks>
    /// Not overridden, the job has no work of its own: it lives to handle actions until it is stopped (like a virtual actor
    /// or grain), and costs no task or cancellation registration while it waits. An override that awaits this base method
    /// waits for a task that never completes: its job then ends only at the stop timeout. Await the token instead.
    /// </remarks>
    /// <param name="cancellationToken">Fires when the job is asked to stop.</param>
    protected virtual Task RunAsync(CancellationToken cancellationToken) => UntilStopped;

    /// <summary>
    /// Handles one dispatched action. Actions are handled one at a time, in the order each sender sent
    /// them, interleaved with <see cref="RunAsync"/> only at its awaits. If the handler throws, the job
    /// ends as failed.
    /// </summary>
    /// <param name="action">The action.</param>
    /// <param name="cancellationToken">Fires when the job is asked to stop.</param>
    protected abstract Task HandleAsync(TAction action, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the job's state: the version grows by one and every subscriber is told, in order. Safe from
    /// any thread; off the job's actor it takes effect when the actor applies it.
    /// </summary>
    /// <param name="state">The new state.</param>
    protected void SetState(TState state) => Host.SetState(state);

    /// <summary>
    /// Claims the instance for one run; false if it was claimed before. The manager claims it when it
    /// accepts it, synchronously, so a factory that returns the same instance twice is caught at once.
    /// </summary>
    internal bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;

    /// <summary>Attaches the claimed job to its actor.</summary>
    internal void AttachTo(IJobHost<TState> host) => _host = host;

    /// <summary>Starts the work (called by the hosting actor).</summary>
    internal Task StartWork(CancellationToken cancellationToken) => RunAsync(cancellationToken);

    /// <summary>Handles one action (called by the hosting actor).</summary>
    internal Task Handle(TAction action, CancellationToken cancellationToken) => HandleAsync(action, cancellationToken);

    /// <summary>Records a state applied by the actor; returns its version.</summary>
    internal long Apply(TState state)
    {
        State = state;
        return ++Version;
    }
}

/// <summary>What a job needs from the actor hosting it.</summary>
internal interface IJobHost<in TState>
{
    string Key { get; }

    ILoggingAdapter Log { get; }

    void SetState(TState state);
}
