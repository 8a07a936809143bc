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

    /// <summary>A new counter at <paramref name="start"/>.</summary>
    public static CounterJob Starting(long start) => new(new CounterState(start, 0, "running"));

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
            CounterOp.Add => State with { Count = State.Count + action.Amount },
            CounterOp.Reset => State with { Count = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.Op, "Unknown counter operation."),
        });
        return Task.CompletedTask;
    }
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
