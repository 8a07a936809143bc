using Actors.Jobs;

namespace Actors.Host.Demo;

/// <summary>
/// The demo job kind (<c>counters</c>): counts a tick a second while it runs; actions add to it or reset it.
/// Try it with curl (README): run, dispatch, watch its state on <c>/api/events?job=key</c>, stop.
/// </summary>
public sealed class CounterJob(CounterState state) : Job<CounterState, CounterAction>(state)
{
    /// <summary>The demo kind's manager name.</summary>
    public const string Kind = "counters";

    /// <summary>The state a counter started with <paramref name="start"/> begins in.</summary>
    public static CounterState InitialState(CounterStart start) => new(start.Start, 0, "running");

    /// <summary>The kind's create function: a counter under <paramref name="key"/> from <paramref name="state"/> (new or restored).</summary>
    public static CounterJob Create(string key, CounterState state) => new(state);

    /// <inheritdoc />
    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            SetState(State with { Ticks = State.Ticks + 1 });
        }
    }

    /// <inheritdoc />
    protected override Task HandleAsync(CounterAction action, CancellationToken cancellationToken)
    {
        SetState(action.Op switch
        {
            // The API refuses such an add (Problem); one that races past it is refused here instead of wrapping around.
            CounterOp.Add when Problem(action, State) is { } problem => State with { Status = $"refused: {problem}" },
            CounterOp.Add => State with { Count = State.Count + action.Amount, Status = "running" },
            CounterOp.Reset => State with { Count = 0, Status = "running" },
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.Op, "Unknown counter operation."),
        });
        return Task.CompletedTask;
    }

    /// <summary>The largest start and amount accepted (so a count can move a long way and still never overflow by accident).</summary>
    public const long MaxMagnitude = 1_000_000_000_000_000;

    /// <summary>Null if <paramref name="action"/> can be applied to <paramref name="state"/>, else why not.</summary>
    public static string? Problem(CounterAction action, CounterState state) => action switch
    {
        { Op: CounterOp.Add, Amount: < -MaxMagnitude or > MaxMagnitude } => $"'amount' must be from -{MaxMagnitude} to {MaxMagnitude}.",
        { Op: CounterOp.Add } when (action.Amount > 0 && state.Count > long.MaxValue - action.Amount) || (action.Amount < 0 && state.Count < long.MinValue - action.Amount) =>
            $"adding {action.Amount} to {state.Count} would overflow the count.",
        { Op: CounterOp.Reset, Amount: not 0 } => "'amount' is not taken by 'reset'.",
        _ => null,
    };

    /// <summary>Null if a counter may start at <paramref name="start"/>, else why not.</summary>
    public static string? Problem(CounterStart start) =>
        start.Start is < -MaxMagnitude or > MaxMagnitude ? $"'start' must be from -{MaxMagnitude} to {MaxMagnitude}." : null;
}

/// <summary>A counter's state.</summary>
public sealed record CounterState(long Count, long Ticks, string Status);

/// <summary>What a counter can be told.</summary>
public sealed record CounterAction(CounterOp Op, long Amount = 0);

/// <summary>The counter operations.</summary>
public enum CounterOp
{
    /// <summary>Add <see cref="CounterAction.Amount"/> to the count.</summary>
    Add,

    /// <summary>Set the count to 0.</summary>
    Reset,
}

/// <summary>The body of <c>POST /api/jobs/counters/{key}</c>.</summary>
public sealed record CounterStart(long Start = 0);
