using System.Diagnostics;

namespace Actors.Compute;

/// <summary>
/// A unit of parallel work: a function and its input, run once on the compute pool by a run
/// (<see cref="IComputePool.AllAsync{TResult}(IEnumerable{WorkUnit{TResult}}, WorkRunOptions?, CancellationToken)"/> and the
/// others). Create one with <see cref="Create{TInput,TResult}(Func{TInput,TResult},TInput,WorkOptions?)"/>; watch its
/// <see cref="Status"/>, <see cref="Progress"/>, result and <see cref="Error"/>; <see cref="Cancel"/> it on its own.
/// </summary>
/// <remarks>
/// A unit belongs to one run and runs once (plus its retries); it is thread-safe. Its status moves
/// Pending → Running → Completed, Failed or Cancelled, and back to Pending between retries.
/// </remarks>
public abstract class WorkUnit
{
    /// <summary>A transient status while a final one is being recorded: read as <see cref="WorkStatus.Running"/>.</summary>
    private const int Finishing = 7;

    private const int StatusBits = 4;
    private const int StatusMask = (1 << StatusBits) - 1;

    private static long s_lastId;

    /// <summary>The attempt number (high bits) and the status (low bits), changed only by compare-and-swap.</summary>
    private int _state;

    /// <summary>1 once a cancellation was requested; it holds for every later attempt.</summary>
    private int _cancelRequested;

    /// <summary>The attempt whose timeout ran out while it was running (its function has yet to return), or 0.</summary>
    private int _timedOutAttempt;

    /// <summary>The token source of the current attempt; created on first use unless the unit has a timeout.</summary>
    private CancellationTokenSource? _attemptTokenSource;

    /// <summary>Why the unit failed or was cancelled; written before its final status.</summary>
    private Exception? _error;

    private double _progress;
    private WorkRun? _run;

    /// <summary>Its <see cref="Id"/>; 0 until first read.</summary>
    private long _id;

    private protected WorkUnit(WorkOptions? options)
    {
        Options = options ?? WorkOptions.Default;
    }

    /// <summary>A number unique in this process (given when first read: most units are never asked, and a shared counter per unit costs a fine-grained run).</summary>
    public long Id => Volatile.Read(ref _id) is var id and not 0 ? id : AssignId();

    /// <summary>Its timeout, retries and priority.</summary>
    public WorkOptions Options { get; }

    /// <summary>Where it is in its life.</summary>
    public WorkStatus Status => ToStatus(Volatile.Read(ref _state));

    /// <summary>True once it completed, failed or was cancelled.</summary>
    public bool IsFinished => Status >= WorkStatus.Completed;

    /// <summary>How many attempts have started (0 before the first).</summary>
    public int Attempts => Volatile.Read(ref _state) >> StatusBits;

    /// <summary>What its function last reported, from 0 to 100 (<see cref="WorkContext.ReportProgress"/>); 100 once completed.</summary>
    public double Progress
    {
        get => Status == WorkStatus.Completed ? 100 : Volatile.Read(ref _progress);
        internal set => Volatile.Write(ref _progress, double.IsNaN(value) ? 0 : Math.Clamp(value, 0, 100));
    }

    /// <summary>
    /// Why it failed (its function's exception, or a <see cref="WorkUnitTimeoutException"/>) or was cancelled
    /// (an <see cref="OperationCanceledException"/>); null otherwise.
    /// </summary>
    public Exception? Error => Status is WorkStatus.Failed or WorkStatus.Cancelled ? Volatile.Read(ref _error) : null;

    /// <summary>The run it belongs to; null until it is given to one.</summary>
    public WorkRun? Run => Volatile.Read(ref _run);

    /// <summary>The user's function (for the strict-mode check).</summary>
    internal abstract Delegate Function { get; }

    /// <summary>
    /// Cancels it: if it has not started, it never will; if it is running, its token fires and it ends as
    /// cancelled when its function returns. Does nothing once it has finished.
    /// </summary>
    public void Cancel()
    {
        Interlocked.Exchange(ref _cancelRequested, 1);
        while (true)
        {
            var state = Volatile.Read(ref _state);
            switch (ToStatus(state))
            {
                case WorkStatus.Pending:
                    if (TryFinish(state, WorkStatus.Cancelled, CancelledError()))
                    {
                        Run?.Finished(this);
                        return;
                    }

                    continue;
                case WorkStatus.Running:
                    AttemptTokenSource().Cancel();
                    return;
                default:
                    return;
            }
        }
    }

    private long AssignId()
    {
        var id = Interlocked.Increment(ref s_lastId);
        return Interlocked.CompareExchange(ref _id, id, 0) is var assigned and not 0 ? assigned : id;
    }

    /// <inheritdoc />
    public override string ToString() => $"work unit {Id} ({Status}, attempt {Attempts})";

    /// <summary>Creates a unit that computes <paramref name="function"/>(<paramref name="input"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public static WorkUnit<TResult> Create<TInput, TResult>(Func<TInput, TResult> function, TInput input, WorkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new FunctionWorkUnit<TInput, TResult>(function, input, options);
    }

    /// <summary>
    /// Creates a unit that computes <paramref name="function"/>(<paramref name="input"/>, context): the context
    /// carries the cancellation token and the progress reporter.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public static WorkUnit<TResult> Create<TInput, TResult>(Func<TInput, WorkContext, TResult> function, TInput input, WorkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ContextFunctionWorkUnit<TInput, TResult>(function, input, options);
    }

    /// <summary>Creates one unit per input, all with the same function and options, in input order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> or <paramref name="inputs"/> is null.</exception>
    public static WorkUnit<TResult>[] CreateMany<TInput, TResult>(IEnumerable<TInput> inputs, Func<TInput, TResult> function, WorkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(function);
        return inputs.Select(input => (WorkUnit<TResult>)new FunctionWorkUnit<TInput, TResult>(function, input, options)).ToArray();
    }

    /// <summary>Runs the function once, keeping what it returns.</summary>
    internal abstract void Execute(WorkContext context);

    internal bool TryAttach(WorkRun run) =>
        Volatile.Read(ref _state) == (int)WorkStatus.Pending && Interlocked.CompareExchange(ref _run, run, null) is null;

    internal void Detach(WorkRun run) => Interlocked.CompareExchange(ref _run, null, run);

    internal bool IsCancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    /// <summary>
    /// Starts the next attempt if the unit is pending: the caller then owns the attempt and must end it
    /// with <see cref="TryEndAttempt"/>. Returns the running state to pass back, or -1.
    /// </summary>
    internal int TryStartAttempt()
    {
        var pending = Volatile.Read(ref _state);
        if (ToStatus(pending) != WorkStatus.Pending)
        {
            return -1;
        }

        // Set while still pending: a canceller only touches the token source of a running unit.
        Volatile.Write(ref _attemptTokenSource, Options.Timeout is null ? null : new CancellationTokenSource());
        var running = (((pending >> StatusBits) + 1) << StatusBits) | (int)WorkStatus.Running;
        return Interlocked.CompareExchange(ref _state, running, pending) == pending ? running : -1;
    }

    /// <summary>Whether the attempt started as <paramref name="running"/> ran past its timeout.</summary>
    internal bool TimedOut(int running) => Volatile.Read(ref _timedOutAttempt) == running >> StatusBits;

    /// <summary>
    /// Called when the attempt's timeout runs out: its token fires; without retries left it fails now
    /// (its function's late result is discarded), otherwise it is retried once its function returns.
    /// </summary>
    internal bool ExpireAttempt(int running, CancellationTokenSource attemptTokens)
    {
        if (Volatile.Read(ref _state) != running)
        {
            return false;
        }

        var attempt = running >> StatusBits;
        Volatile.Write(ref _timedOutAttempt, attempt);
        attemptTokens.Cancel();
        return attempt > Options.Retries && TryFinish(running, WorkStatus.Failed, new WorkUnitTimeoutException(this, Options.Timeout!.Value, attempt));
    }

    /// <summary>
    /// Ends the attempt started as <paramref name="running"/>: completed, failed (or pending again, to retry)
    /// or cancelled. Returns the status it ended with, or null if the attempt had already been ended (timed out).
    /// </summary>
    internal WorkStatus? TryEndAttempt(int running, Exception? error)
    {
        WorkStatus outcome;
        if (IsCancelRequested)
        {
            outcome = WorkStatus.Cancelled;
            error = CancelledError();
        }
        else if (error is null)
        {
            outcome = WorkStatus.Completed;
        }
        else
        {
            outcome = running >> StatusBits > Options.Retries ? WorkStatus.Failed : WorkStatus.Pending;
        }

        return TryFinish(running, outcome, error) ? outcome : null;
    }

    /// <summary>The token source of the running attempt, if it has been created (always, for a unit with a timeout).</summary>
    internal CancellationTokenSource? CurrentAttemptTokenSource => Volatile.Read(ref _attemptTokenSource);

    internal CancellationToken AttemptToken() => AttemptTokenSource().Token;

    private CancellationTokenSource AttemptTokenSource()
    {
        var existing = Volatile.Read(ref _attemptTokenSource);
        if (existing is not null)
        {
            return existing;
        }

        var created = new CancellationTokenSource();
        return Interlocked.CompareExchange(ref _attemptTokenSource, created, null) ?? created;
    }

    private bool TryFinish(int from, WorkStatus to, Exception? error)
    {
        var attemptBits = from & ~StatusMask;
        if (to == WorkStatus.Completed && error is null)
        {
            // Nothing to record beside the status (a running unit has no error): one step, as most units end.
            return Interlocked.CompareExchange(ref _state, attemptBits | (int)to, from) == from;
        }

        if (Interlocked.CompareExchange(ref _state, attemptBits | Finishing, from) != from)
        {
            return false;
        }

        Volatile.Write(ref _error, to == WorkStatus.Pending ? null : error);
        if (to == WorkStatus.Pending)
        {
            Volatile.Write(ref _timedOutAttempt, 0);
        }

        Volatile.Write(ref _state, attemptBits | (int)to);
        return true;
    }

    private OperationCanceledException CancelledError() => new($"Work unit {Id} was cancelled.");

    private static WorkStatus ToStatus(int state)
    {
        var status = state & StatusMask;
        Debug.Assert(status is <= (int)WorkStatus.Cancelled or Finishing, $"Unknown work unit status {status}.");
        return status == Finishing ? WorkStatus.Running : (WorkStatus)status;
    }
}
