using Akka.Actor;

namespace Actors.Compute;

/// <summary>
/// Runs work units on the compute pool (one worker per core) for code that is not an actor: the way
/// you would use <c>Task.WhenAll</c> or <c>Parallel.ForEachAsync</c>, with CPU-bound functions. Actors
/// send <see cref="RunWork"/> to <see cref="Coordinator"/> instead.
/// </summary>
/// <remarks>
/// Every method checks its arguments at once (argument errors, strict mode) and starts the run
/// before it returns. A run's task completes when all its units have finished (a unit that timed out
/// excepted), so when it returns no unit of it is still running; cancelling the token cancels the run.
/// </remarks>
public interface IComputePool
{
    /// <summary>The coordinator actor, for <see cref="RunWork"/> and the rest of the protocol.</summary>
    IActorRef Coordinator { get; }

    /// <summary>How many workers the pool has.</summary>
    int PoolSize { get; }

    /// <summary>
    /// Runs the units and returns their results in input order. The first unit to fail (after its
    /// retries) fails the run with that unit's exception, and the other units are cancelled.
    /// </summary>
    /// <exception cref="OperationCanceledException">The run, or a unit it needed, was cancelled.</exception>
    Task<TResult[]> AllAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The pool's <c>Parallel.For</c>: computes <paramref name="body"/>(i) for each i from 0 to <paramref name="count"/> - 1
    /// and returns the results by index. Use it for fine-grained work over a range, where a unit per element would cost
    /// more than the element: the range is cut into slices (a few hundred), run as the units of an all-run. The first
    /// exception <paramref name="body"/> throws fails the call with that exception, and the rest is cancelled (each slice
    /// stops at its next index). No retries or timeouts: a unit's options do not apply to an index.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ImpureWorkException">Strict mode and <paramref name="body"/> captures mutable state.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled.</exception>
    Task<TResult[]> ForAsync<TResult>(int count, Func<int, TResult> body, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs the units to the end, failures included, and returns them in input order: read each one's status, result or error.</summary>
    Task<IReadOnlyList<WorkUnit<TResult>>> AllSettledAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the units and yields each as it finishes (completed, failed or cancelled), in completion
    /// order. Enumerate it once; stopping early cancels the units not yet finished.
    /// </summary>
    IAsyncEnumerable<WorkUnit<TResult>> Stream<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs the units without waiting; failures are logged. The returned run can be cancelled or awaited.</summary>
    WorkRun Fire(IEnumerable<WorkUnit> units, WorkRunOptions? options = null);

    /// <summary>Returns the first successful result; the other units are cancelled.</summary>
    /// <exception cref="AggregateException">Every unit failed or was cancelled (the inner exceptions say why).</exception>
    Task<TResult> RaceAsync<TResult>(IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the first <paramref name="count"/> successful results, in completion order; the other units are cancelled.</summary>
    /// <exception cref="AggregateException">Too many units failed for <paramref name="count"/> to succeed.</exception>
    Task<TResult[]> AnyAsync<TResult>(int count, IEnumerable<WorkUnit<TResult>> units, WorkRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The pool's workers and active runs.</summary>
    Task<ComputePoolStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}
