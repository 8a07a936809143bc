using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;

namespace Actors.Compute;

/// <summary>
/// One run of work units on the compute pool: cancel it as a whole, watch how far it got, await its end.
/// </summary>
/// <remarks>
/// A run is the work source its workers share: a worker claims the next units (a batch of fine-grained
/// ones) only when it is free, so no worker holds a backlog while another is idle (decision 0009). The
/// run is settled (succeeded, failed or cancelled) as its mode says, and ends when all its units have
/// finished; when <see cref="Completion"/> completes, none of its units is running, except one that
/// timed out and has not yet returned.
/// </remarks>
public sealed partial class WorkRun
{
    private static long s_lastId;

    /// <summary>The units in input order.</summary>
    private readonly WorkUnit[] _units;

    /// <summary>Claim order (unit indexes, most urgent first) when priorities differ; null for input order.</summary>
    private readonly int[]? _claimOrder;

    /// <summary>Units to run before claiming new ones: those to retry.</summary>
    private readonly ConcurrentQueue<WorkUnit> _retries = new();

    /// <summary>Each worker's current batch of claimed units (by worker index); others take from it once nothing else is left.</summary>
    private readonly ClaimedBatch?[] _batches;

    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IWorkRunObserver? _observer;
    private readonly ILoggingAdapter _log;
    private readonly long _createdAt = Stopwatch.GetTimestamp();

    /// <summary>Its span (<see cref="ComputeTracing"/>), when anybody listens.</summary>
    private readonly Activity? _span;

    /// <summary>The successful units of a race or any(n) run, in completion order (the first <see cref="Count"/>).</summary>
    private readonly WorkUnit[] _winners;

    /// <summary>Where the next claim starts, in claim order.</summary>
    private int _nextClaim;

    /// <summary>Batch sizing: the target of one batch and the share of what is left one claim may take.</summary>
    private readonly long _batchTargetTicks;

    /// <summary>How many units have not finished; the run ends when it reaches 0.</summary>
    private int _unfinished;

    private int _successes;
    private int _nonSuccesses;

    /// <summary>A <see cref="WorkRunSettlement"/>; changes once, from Open.</summary>
    private int _settlement;

    private Exception? _failure;

    /// <summary>Set once the run is settled early: workers stop claiming its units.</summary>
    private volatile bool _stopped;

    /// <summary>The last measured cost of one unit, in stopwatch ticks, for sizing batches.</summary>
    private long _ticksPerUnit;

    /// <summary>The coordinator to tell when the run ends; null until it is started.</summary>
    private IActorRef? _coordinator;

    private WorkRun(WorkUnit[] units, WorkRunMode mode, int count, WorkRunOptions options, ComputeSettings settings, ILoggingAdapter log, IWorkRunObserver? observer)
    {
        _units = units;
        _claimOrder = Adopt(units, options.Strict ?? settings.Strict);
        _batches = new ClaimedBatch?[settings.PoolSize];
        _batchTargetTicks = Math.Max(1, (long)(settings.BatchTarget.TotalSeconds * Stopwatch.Frequency));
        Id = Interlocked.Increment(ref s_lastId);
        Mode = mode;
        Count = count;
        Options = options;
        _log = log;
        _observer = observer;
        _unfinished = units.Length;
        _winners = mode is WorkRunMode.Race or WorkRunMode.Any ? new WorkUnit[count] : [];
        _span = ComputeTracing.StartRun(mode, units.Length);
    }

    /// <summary>A number unique in this process.</summary>
    public long Id { get; }

    /// <summary>How the run treats its units' outcomes.</summary>
    public WorkRunMode Mode { get; }

    /// <summary>For <see cref="WorkRunMode.Any"/>, how many successes it waits for (1 for a race); otherwise 0.</summary>
    public int Count { get; }

    /// <summary>Its options.</summary>
    public WorkRunOptions Options { get; }

    /// <summary>Its units, in input order.</summary>
    public IReadOnlyList<WorkUnit> Units => _units;

    /// <summary>How many of its units have finished (completed, failed or cancelled).</summary>
    public int FinishedCount => _units.Length - Math.Max(0, Volatile.Read(ref _unfinished));

    /// <summary>How it was settled; <see cref="WorkRunSettlement.Open"/> while undecided.</summary>
    public WorkRunSettlement Settlement => Volatile.Read(ref _settlement) is var settlement and >= 0 ? (WorkRunSettlement)settlement : WorkRunSettlement.Open;

    /// <summary>Why it failed or was cancelled, once settled so; otherwise null.</summary>
    public Exception? Failure => Settlement is WorkRunSettlement.Failed or WorkRunSettlement.Cancelled ? Volatile.Read(ref _failure) : null;

    /// <summary>For a race or any(n) run that succeeded: the winning units, in completion order.</summary>
    public IReadOnlyList<WorkUnit> Winners => Settlement == WorkRunSettlement.Succeeded ? _winners : [];

    /// <summary>Completes (never faults) when every unit has finished.</summary>
    public Task Completion => _ended.Task;

    /// <summary>
    /// Cancels the run: no unit starts afterwards, running units' tokens fire. A run already settled
    /// (succeeded or failed) keeps its settlement.
    /// </summary>
    public void Cancel() => Settle(WorkRunSettlement.Cancelled, new OperationCanceledException($"Work run {Id} was cancelled."));

    /// <inheritdoc />
    public override string ToString() => $"work run {Id} ({Mode}, {_units.Length} units, {Settlement})";

    /// <summary>
    /// Checks the request and takes ownership of the units; the coordinator starts the run.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="units"/> is null.</exception>
    /// <exception cref="ArgumentException">A unit is null, repeated, or already given to a run; a race of no units.</exception>
    /// <exception cref="ArgumentOutOfRangeException">For any(n): n is below 1 or above the number of units.</exception>
    /// <exception cref="ImpureWorkException">Strict mode and a function captures mutable state.</exception>
    internal static WorkRun Create(IEnumerable<WorkUnit> units, WorkRunMode mode, int count, WorkRunOptions? options, ComputeSettings settings,
        ILoggingAdapter log, IWorkRunObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        options ??= WorkRunOptions.Default;
        // A copy: the caller may reuse its array. Cloning an array is one block copy (ToArray checks each element of an array of
        // a derived unit type).
        var array = units is WorkUnit[] given ? (WorkUnit[])given.Clone() : units.ToArray();
        count = CheckCount(mode, count, array.Length);
        return new WorkRun(array, mode, count, options, settings, log, observer);
    }

    private static int CheckCount(WorkRunMode mode, int count, int units)
    {
        switch (mode)
        {
            case WorkRunMode.Race when units == 0:
                throw new ArgumentException("A race needs at least one unit: there is no first result among none.", nameof(units));
            case WorkRunMode.Race:
                return 1;
            case WorkRunMode.Any when count < 1 || count > units:
                throw new ArgumentOutOfRangeException(nameof(count), count, $"Any(n) waits for n successes among the units: n must be from 1 to {units} (the number of units).");
            case WorkRunMode.Any:
                return count;
            default:
                return 0;
        }
    }

    /// <summary>
    /// Checks each unit and attaches it to this run, in one pass: a unit's memory is read once before a worker runs it
    /// (a run of fine-grained units is bound by memory here, not by the CPU). On a unit it cannot take, it lets go of the
    /// ones it took and throws. Returns the claim order.
    /// </summary>
    /// <remarks>
    /// Once per run, on the caller, before the workers: fully optimised from its first call, as a method called rarely would
    /// otherwise loop in unoptimised code.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[]? Adopt(WorkUnit[] units, bool strict)
    {
        var checkedFunctions = strict ? new HashSet<Delegate>() : null;
        var firstPriority = units is [{ } head, ..] ? head.Options.Priority : WorkOptions.DefaultPriority;
        var mixed = false;
        for (var i = 0; i < units.Length; i++)
        {
            var unit = units[i];
            if (unit is null || !unit.TryAttach(this))
            {
                var refusal = Refusal(unit, i);
                LetGo(i);
                throw refusal;
            }

            if (checkedFunctions is not null && checkedFunctions.Add(unit.Function) && PurityCheck.FindMutableCapture(unit.Function) is { } capture)
            {
                LetGo(i + 1);
                throw new ImpureWorkException(i, unit.Function, capture);
            }

            mixed |= unit.Options.Priority != firstPriority;
        }

        // OrderBy is stable: equal priorities keep input order.
        return mixed ? Enumerable.Range(0, units.Length).OrderByDescending(i => units[i].Options.Priority).ToArray() : null;
    }

    private void LetGo(int taken)
    {
        for (var i = 0; i < taken; i++)
        {
            _units[i].Detach(this);
        }
    }

    private ArgumentException Refusal(WorkUnit? unit, int i) => unit switch
    {
        null => new ArgumentException($"units[{i}] is null.", "units"),
        _ when unit.Run == this => new ArgumentException($"units[{i}] is the same unit as an earlier one: each unit runs once, so give it once.", "units"),
        { Run: null, Status: WorkStatus.Cancelled } => new ArgumentException($"units[{i}] ({unit}) was cancelled before it was given to a run: leave it out.", "units"),
        _ => new ArgumentException($"units[{i}] ({unit}) has already been given to a run{(unit.Run is { } run ? $" ({run})" : "")}: a work unit runs once. Create a new one.", "units"),
    };
}

/// <summary>How a run was settled.</summary>
public enum WorkRunSettlement
{
    /// <summary>Not decided yet.</summary>
    Open = 0,

    /// <summary>It produced what its mode asks for.</summary>
    Succeeded = 1,

    /// <summary>A unit failed (all) or too many failed (race, any).</summary>
    Failed = 2,

    /// <summary>It, or a unit it needed, was cancelled.</summary>
    Cancelled = 3,
}

/// <summary>Hears of a run's units as they finish and of its end (on the thread that finished them).</summary>
internal interface IWorkRunObserver
{
    void UnitFinished(WorkUnit unit);

    void RunEnded(WorkRun run);
}
