using System.Collections.Immutable;
using Actors.Jobs;

namespace Actors.Tests.Jobs;

/// <summary>An action for <see cref="LogJob"/>: append "sender:sequence" to the log.</summary>
public sealed record Append(string Sender, int Sequence, bool Yield = false, bool Throw = false);

/// <summary>
/// Appends each action to its state. Its work waits until it is stopped (or until <see cref="Finish"/>
/// lets it return or throw), and records what it observed.
/// </summary>
public sealed class LogJob : Job<ImmutableList<string>, Append>
{
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _tokenCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cleanedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failWith;

    public LogJob()
        : base(ImmutableList<string>.Empty)
    {
    }

    /// <summary>Completes when the work saw its token cancelled.</summary>
    public Task TokenCancelled => _tokenCancelled.Task;

    /// <summary>Completes when the work's finally block has run.</summary>
    public Task CleanedUp => _cleanedUp.Task;

    /// <summary>Lets the work return, or throw <paramref name="error"/>.</summary>
    public void Finish(Exception? error = null)
    {
        _failWith = error;
        _finish.TrySetResult();
    }

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() => _tokenCancelled.TrySetResult());
        try
        {
            await _finish.Task.WaitAsync(cancellationToken);
            if (_failWith is not null)
            {
                throw _failWith;
            }
        }
        finally
        {
            _cleanedUp.TrySetResult();
        }
    }

    protected override async Task HandleAsync(Append action, CancellationToken cancellationToken)
    {
        if (action.Yield)
        {
            await Task.Yield();
        }

        if (action.Throw)
        {
            throw new InvalidOperationException($"cannot append {action.Sender}:{action.Sequence}");
        }

        SetState(State.Add($"{action.Sender}:{action.Sequence}"));
    }
}

/// <summary>A job of other types than <see cref="LogJob"/>: counts up by the amounts dispatched.</summary>
public sealed class CounterJob() : Job<int, CounterJob.Add>(0)
{
    public sealed record Add(int Amount);

    protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override Task HandleAsync(Add action, CancellationToken cancellationToken)
    {
        SetState(State + action.Amount);
        return Task.CompletedTask;
    }
}

/// <summary>A job that ignores its cancellation token until <see cref="Release"/> is called.</summary>
public sealed class StubbornJob() : Job<string, string>("working")
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cleanedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task CleanedUp => _cleanedUp.Task;

    public void Release() => _release.TrySetResult();

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _release.Task;
        }
        finally
        {
            SetState("released");
            _cleanedUp.TrySetResult();
        }
    }

    protected override Task HandleAsync(string action, CancellationToken cancellationToken) => Task.CompletedTask;
}
