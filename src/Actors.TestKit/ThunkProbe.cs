using Actors.Thunks;
using Akka.TestKit;

namespace Actors.TestKit;

/// <summary>
/// A thunk system in a TestKit's actor system, for testing thunk flows: run a tree, read the store,
/// and see in which order trees took the lock.
/// </summary>
/// <typeparam name="TState">The store's state.</typeparam>
/// <example>
/// <code>
/// using var thunks = ThunkProbe.Start(this, Ledger.Empty, Ledger.Apply);
/// await thunks.Processor.RunAsync(root => root.DispatchAsync(new Deposit("a", 5)), new ThunkOptions(Id: "first"));
/// Assert.Equal(5, (await thunks.GetStateAsync()).Balances["a"]);
/// Assert.Equal(["first"], await thunks.LockOrderAsync(1));
/// </code>
/// </example>
public sealed class ThunkProbe<TState> : IDisposable
{
    private readonly EventLog<ThunkEvent> _events;

    private ThunkProbe(ThunkSystem thunks, EventLog<ThunkEvent> events)
    {
        System = thunks;
        _events = events;
    }

    /// <summary>The started system: its coordinator, store and processor.</summary>
    public ThunkSystem System { get; }

    /// <summary>The processor that runs trees (<see cref="IThunkProcessor.RunAsync(Func{IThunkContext, Task}, ThunkOptions?, CancellationToken)"/>).</summary>
    public IThunkProcessor Processor => System.Processor;

    /// <summary>How long (real time) a wait lasts before it fails the test; 10 s unless set.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Every coordinator event so far, in order.</summary>
    public IReadOnlyList<ThunkEvent> Events => _events.All;

    /// <summary>Starts a store with <paramref name="initialState"/> and <paramref name="reducer"/> and a coordinator in <paramref name="testKit"/>'s system.</summary>
    public static ThunkProbe<TState> Start(TestKitBase testKit, TState initialState, Func<TState, object, TState> reducer)
    {
        ArgumentNullException.ThrowIfNull(testKit);
        var events = new EventLog<ThunkEvent>(testKit.Sys, keyOf: null);
        return new ThunkProbe<TState>(ThunkSystem.Start(testKit.Sys, initialState, reducer), events);
    }

    /// <summary>The store's committed state.</summary>
    public async Task<TState> GetStateAsync() => (await Processor.GetStateAsync<TState>().ConfigureAwait(false)).State;

    /// <summary>
    /// The roots whose trees took the lock, in the order they took it, once at least <paramref name="count"/>
    /// have (events arrive a moment after the trees ran, so this waits for them).
    /// </summary>
    /// <exception cref="TimeoutException">Fewer took it within <see cref="Timeout"/>.</exception>
    public async Task<IReadOnlyList<string>> LockOrderAsync(int count)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            var order = _events.All.OfType<RootThunkChanged>().Select(e => e.RootId).ToList();
            if (order.Count >= count)
            {
                return order;
            }

            try
            {
                await _events.NextOfAnyAsync(Timeout, "coordinator event").WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                throw new TimeoutException($"{order.Count} of {count} trees took the lock within {Timeout}: {string.Join(", ", order)}.");
            }
        }
    }

    /// <summary>Stops collecting events (the thunk system stops with the TestKit's system).</summary>
    public void Dispose() => _events.Dispose();
}

/// <summary>Starts <see cref="ThunkProbe{TState}"/>s.</summary>
public static class ThunkProbe
{
    /// <summary>Starts a probe; see <see cref="ThunkProbe{TState}.Start"/>.</summary>
    public static ThunkProbe<TState> Start<TState>(TestKitBase testKit, TState initialState, Func<TState, object, TState> reducer) =>
        ThunkProbe<TState>.Start(testKit, initialState, reducer);
}
