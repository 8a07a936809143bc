namespace Actors.Tasks;

/// <summary>
/// A task type's circuit breaker. It opens after <paramref name="FailuresToOpen"/> failed attempts in a row (or, with
/// <paramref name="FailureRatio"/>, when that share of the last <paramref name="RatioWindow"/> attempts failed); while it
/// is open, the type's tasks <b>wait in the queue</b> rather than fail. After <paramref name="OpenFor"/> it is half open:
/// one attempt (the probe) starts; its success closes the breaker, its failure opens it again.
/// </summary>
/// <remarks>
/// Only retryable failures (timeouts, transient errors: what an upstream in trouble causes) count; a fatal or
/// user-actionable error says the upstream answered, so it counts as a success.
/// </remarks>
/// <param name="FailuresToOpen">Failed attempts in a row that open it: at least 1.</param>
/// <param name="OpenFor">How long it stays open before the probe; null for 30 seconds.</param>
/// <param name="FailureRatio">Also open when this share (0 to 1, exclusive of 0) of the last <paramref name="RatioWindow"/> attempts failed; null for no ratio.</param>
/// <param name="RatioWindow">How many recent attempts the ratio looks at (it waits for that many): at least 2.</param>
public sealed record TaskCircuitBreaker(int FailuresToOpen = 5, TimeSpan? OpenFor = null, double? FailureRatio = null, int RatioWindow = 20)
{
    /// <summary>How long it stays open before the probe.</summary>
    public TimeSpan OpenPeriod => OpenFor ?? TimeSpan.FromSeconds(30);

    internal TaskCircuitBreaker Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(FailuresToOpen, 1, nameof(FailuresToOpen));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OpenPeriod, TimeSpan.Zero, nameof(OpenFor));
        ArgumentOutOfRangeException.ThrowIfLessThan(RatioWindow, 2, nameof(RatioWindow));
        if (FailureRatio is { } ratio && ratio is <= 0 or > 1 || FailureRatio is double.NaN)
        {
            throw new ArgumentOutOfRangeException(nameof(FailureRatio), FailureRatio, "The failure ratio is a share above 0 and at most 1.");
        }

        return this;
    }
}

/// <summary>Where a task type's circuit breaker stands.</summary>
public enum TaskCircuitState
{
    /// <summary>Attempts start as slots allow.</summary>
    Closed,

    /// <summary>No attempt starts: the type's tasks wait.</summary>
    Open,

    /// <summary>One attempt (the probe) may start; its outcome closes or opens the breaker.</summary>
    HalfOpen,
}

/// <summary>
/// The queue's breaker for one type: a state machine the queue actor drives with attempts' outcomes and its own timer
/// (so the open period follows the actor system's scheduler). Used by the queue actor only.
/// </summary>
/// <remarks>
/// Not Akka's <c>CircuitBreaker</c> nor Polly's: both wrap a call and fail it fast while open, count time on their own
/// timers on other threads, and (Akka's) count only failures in a row. Here nothing is called through the breaker:
/// the queue asks whether a type may start and holds its tasks back; see decision 0015.
/// </remarks>
internal sealed class TaskBreakerGate(TaskCircuitBreaker breaker)
{
    private readonly Queue<bool> _recent = new();
    private int _failuresInARow;
    private int _failuresInWindow;

    public TaskCircuitState State { get; private set; } = TaskCircuitState.Closed;

    /// <summary>The half-open breaker's probe: the task whose attempt decides.</summary>
    public string? ProbeTaskId { get; private set; }

    /// <summary>The breaker's settings.</summary>
    public TaskCircuitBreaker Settings => breaker;

    /// <summary>Whether an attempt of the type may start now.</summary>
    public bool MayStart => State == TaskCircuitState.Closed || State == TaskCircuitState.HalfOpen && ProbeTaskId is null;

    /// <summary>An attempt starts: when half open, it is the probe.</summary>
    public void OnStarting(string taskId)
    {
        if (State == TaskCircuitState.HalfOpen)
        {
            ProbeTaskId = taskId;
        }
    }

    /// <summary>An attempt's verdict; returns why the state changed, or null when it did not.</summary>
    public string? OnOutcome(string taskId, bool failed)
    {
        switch (State)
        {
            case TaskCircuitState.Closed:
                Count(failed);
                if (_failuresInARow >= breaker.FailuresToOpen)
                {
                    return Open($"{_failuresInARow} attempts in a row failed");
                }

                if (breaker.FailureRatio is { } ratio && _recent.Count >= breaker.RatioWindow && _failuresInWindow >= ratio * _recent.Count)
                {
                    return Open($"{_failuresInWindow} of the last {_recent.Count} attempts failed");
                }

                return null;
            case TaskCircuitState.HalfOpen when taskId == ProbeTaskId:
                ProbeTaskId = null;
                if (failed)
                {
                    return Open("the probe failed");
                }

                State = TaskCircuitState.Closed;
                return "the probe succeeded";
            default:
                // Open, or half open with an attempt older than the probe: the breaker has already decided.
                return null;
        }
    }

    /// <summary>The probe's attempt ended without a verdict (cancelled): another task may probe.</summary>
    public void OnProbeLost(string taskId)
    {
        if (taskId == ProbeTaskId)
        {
            ProbeTaskId = null;
        }
    }

    /// <summary>The open period has passed: half open.</summary>
    public bool OnOpenPeriodEnded()
    {
        if (State != TaskCircuitState.Open)
        {
            return false;
        }

        State = TaskCircuitState.HalfOpen;
        return true;
    }

    private string Open(string why)
    {
        State = TaskCircuitState.Open;
        (_failuresInARow, _failuresInWindow) = (0, 0);
        _recent.Clear();
        return why;
    }

    private void Count(bool failed)
    {
        _failuresInARow = failed ? _failuresInARow + 1 : 0;
        _recent.Enqueue(failed);
        _failuresInWindow += failed ? 1 : 0;
        if (_recent.Count > breaker.RatioWindow && _recent.Dequeue())
        {
            _failuresInWindow--;
        }
    }
}
