using Actors.Tasks;

namespace Actors.TestKit;

/// <summary>
/// An <see cref="ITaskContext"/> for unit tests of a task handler, without a queue: run the handler with
/// <see cref="TaskDefinition.InvokeAsync"/> and this context, then read the progress it reported, or
/// <see cref="Cancel"/> it to see the handler stop.
/// </summary>
/// <example>
/// <code>
/// using var context = new TestTaskContext();
/// var result = await resize.InvokeAsync(new Resize("a.png", 64), context);
/// Assert.Equal(100, context.Progress[^1].Percent);
/// </code>
/// </example>
public sealed class TestTaskContext : ITaskContext, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly List<(double Percent, string? CurrentOperation)> _progress = [];

    /// <summary>Creates a context for attempt <paramref name="attempt"/> of task <paramref name="taskId"/>.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="attempt">The attempt, from 1 (a retry's handler sees 2, 3, ...).</param>
    /// <param name="idempotencyKey">The task's idempotency key, if the test gives one.</param>
    /// <param name="services">What the handler resolves; an empty provider if null.</param>
    public TestTaskContext(string taskId = "task-1", int attempt = 1, string? idempotencyKey = null, IServiceProvider? services = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        TaskId = taskId;
        Attempt = attempt;
        IdempotencyKey = idempotencyKey;
        Services = services ?? EmptyServices.Instance;
    }

    /// <inheritdoc />
    public string TaskId { get; }

    /// <inheritdoc />
    public int Attempt { get; }

    /// <inheritdoc />
    public string? IdempotencyKey { get; }

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <inheritdoc />
    public CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Every progress report, in the order made (unthrottled: the queue would throttle the events, not the reports).</summary>
    public IReadOnlyList<(double Percent, string? CurrentOperation)> Progress
    {
        get
        {
            lock (_progress)
            {
                return [.. _progress];
            }
        }
    }

    /// <inheritdoc />
    public void ReportProgress(double percent, string? currentOperation = null)
    {
        lock (_progress)
        {
            _progress.Add((Math.Clamp(percent, 0, 100), currentOperation));
        }
    }

    /// <summary>Fires the handler's token, as a cancel, a timeout or a shutdown would.</summary>
    public void Cancel() => _cancellation.Cancel();

    /// <summary>Fires the handler's token after <paramref name="delay"/> (real time).</summary>
    public void CancelAfter(TimeSpan delay) => _cancellation.CancelAfter(delay);

    /// <inheritdoc />
    public void Dispose() => _cancellation.Dispose();

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
