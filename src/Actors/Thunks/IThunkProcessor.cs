using Akka.Actor;

namespace Actors.Thunks;

/// <summary>
/// Runs thunks from code that is not an actor: registers the thunk, waits for its tree's lock, runs it,
/// and completes it (or fails it when the body throws). A thin facade over the coordinator's protocol.
/// </summary>
public interface IThunkProcessor
{
    /// <summary>The coordinator's actor, for message-driven use.</summary>
    IActorRef Coordinator { get; }

    /// <summary>Runs a root thunk.</summary>
    /// <exception cref="ThunkRejectedException">The coordinator refused it (bad options, timed out, ...).</exception>
    Task RunAsync(Func<IThunkContext, Task> body, ThunkOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs a root thunk that returns a result.</summary>
    /// <exception cref="ThunkRejectedException">The coordinator refused it (bad options, timed out, ...).</exception>
    Task<T> RunAsync<T>(Func<IThunkContext, Task<T>> body, ThunkOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The coordinator's summary: version, lock holders, waiting trees, live thunks, queued actions, metrics.</summary>
    Task<ThunkSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>The store's committed state and its version.</summary>
    /// <typeparam name="TState">The store's state type (what <c>WithThunks</c> was given).</typeparam>
    /// <exception cref="InvalidOperationException">The store keeps another state type.</exception>
    Task<StoreStateChanged<TState>> GetStateAsync<TState>(CancellationToken cancellationToken = default);
}

/// <summary>What a running thunk can do.</summary>
public interface IThunkContext
{
    /// <summary>The thunk's id.</summary>
    string ThunkId { get; }

    /// <summary>Dispatches an action of this thunk's tree (it applies in order, atomically with the tree).</summary>
    void Dispatch(object action);

    /// <summary>Dispatches an action and completes once the action handler has applied it.</summary>
    /// <exception cref="ThunkRejectedException">The action was refused.</exception>
    Task DispatchAsync(object action, CancellationToken cancellationToken = default);

    /// <summary>Runs a child thunk in this thunk's tree (it needs no lock of its own).</summary>
    Task RunChildAsync(Func<IThunkContext, Task> body, CancellationToken cancellationToken = default);
}

/// <summary>Options of a root thunk.</summary>
/// <param name="Priority">Waiting trees with a higher priority get the lock first.</param>
/// <param name="Keys">The state keys the tree touches (disjoint trees run at once); null locks everything.</param>
/// <param name="Timeout">How long the tree may hold its lock; null for <c>actors.thunks.default-timeout</c>.</param>
/// <param name="Id">The root's id; null for a generated one.</param>
public sealed record ThunkOptions(int Priority = 0, IReadOnlySet<string>? Keys = null, TimeSpan? Timeout = null, string? Id = null);

/// <summary>The coordinator refused a thunk command or an action.</summary>
public sealed class ThunkRejectedException(string message) : Exception(message);
