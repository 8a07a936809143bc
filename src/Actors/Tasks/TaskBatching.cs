namespace Actors.Tasks;

/// <summary>How a batching task type (<see cref="TaskDefinition.CreateBatched"/>) gathers its tasks into one handler call.</summary>
/// <param name="MaxSize">The most tasks one call takes: at least 1.</param>
/// <param name="Linger">How long a batch that is not full waits for more tasks before it runs; zero runs what has arrived.</param>
public sealed record TaskBatching(int MaxSize, TimeSpan Linger)
{
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSize, 1, nameof(MaxSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Linger, TimeSpan.Zero, nameof(Linger));
    }
}

/// <summary>What a batch handler gets besides its inputs.</summary>
public interface ITaskBatchContext
{
    /// <summary>The tasks of the batch, in the order of the inputs.</summary>
    IReadOnlyList<string> TaskIds { get; }

    /// <summary>The attempt of each task, in the same order (a retried task comes back with its next attempt).</summary>
    IReadOnlyList<int> Attempts { get; }

    /// <summary>Fires when every task of the batch is cancelled or has timed out, or the service stops.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>The batch's own DI scope (see <see cref="ITaskContext.Services"/>).</summary>
    IServiceProvider Services { get; }
}

/// <summary>A task run on its own (<see cref="TaskDefinition.InvokeAsync"/>) as a batch of one.</summary>
internal sealed class SingleTaskBatch(ITaskContext task) : ITaskBatchContext
{
    public IReadOnlyList<string> TaskIds { get; } = [task.TaskId];

    public IReadOnlyList<int> Attempts { get; } = [task.Attempt];

    public CancellationToken CancellationToken => task.CancellationToken;

    public IServiceProvider Services => task.Services;
}
