using Akka.Actor;

namespace Actors.Compute;

/// <summary>A command to the compute pool's coordinator (<c>/user/compute</c>).</summary>
public interface IComputeCommand;

/// <summary>
/// Runs <paramref name="Units"/> as <paramref name="Mode"/> says. Replies <see cref="WorkRunStarted"/>, then
/// (stream mode) a <see cref="WorkUnitFinished"/> per unit as it finishes, then, unless it is a fire run,
/// <see cref="WorkRunCompleted"/> or <see cref="WorkRunFailed"/> when every unit has finished. Bad input
/// is answered with a <see cref="Status.Failure"/> carrying the argument error.
/// </summary>
/// <param name="Units">The units; each runs once, so none may have been given to a run before.</param>
/// <param name="Mode">How the outcomes are treated.</param>
/// <param name="Count">For <see cref="WorkRunMode.Any"/>: how many successes to wait for.</param>
/// <param name="Options">Strict mode and collecting errors; null for the defaults.</param>
public sealed record RunWork(IReadOnlyList<WorkUnit> Units, WorkRunMode Mode, int Count = 0, WorkRunOptions? Options = null) : IComputeCommand;

/// <summary>Cancels a run: no unit of it starts afterwards; running units' tokens fire. Unknown runs are ignored.</summary>
public sealed record CancelWorkRun(long RunId) : IComputeCommand;

/// <summary>Asks for the pool's <see cref="ComputePoolStatus"/>.</summary>
public sealed record GetComputePoolStatus : IComputeCommand
{
    /// <summary>The one instance.</summary>
    public static GetComputePoolStatus Instance { get; } = new();
}

/// <summary>A run was accepted and its units are being started; <see cref="Run"/> can cancel it and shows its progress.</summary>
public sealed record WorkRunStarted(WorkRun Run);

/// <summary>In a stream run: a unit finished (completed, failed or cancelled).</summary>
public sealed record WorkUnitFinished(long RunId, WorkUnit Unit);

/// <summary>Every unit of a run has finished and the run succeeded: its units hold their results (and, for race and any, its winners).</summary>
public sealed record WorkRunCompleted(WorkRun Run);

/// <summary>Every unit of a run has finished and the run failed or was cancelled; <see cref="Cause"/> says why.</summary>
public sealed record WorkRunFailed(WorkRun Run, Exception Cause);

/// <summary>The compute pool at a glance.</summary>
/// <param name="PoolSize">How many workers it has.</param>
/// <param name="ActiveRuns">How many runs have units left.</param>
/// <param name="Workers">Each worker.</param>
public sealed record ComputePoolStatus(int PoolSize, int ActiveRuns, IReadOnlyList<ComputeWorkerStatus> Workers);

/// <summary>One worker of the pool.</summary>
/// <param name="Name">The routee's actor name.</param>
/// <param name="Incarnation">Identifies the current instance: it changes when the worker is restarted.</param>
/// <param name="Restarts">How many times it was restarted (after a unit threw).</param>
/// <param name="UnitsRun">How many unit attempts it has run.</param>
/// <param name="Busy">Whether it is running units now.</param>
public sealed record ComputeWorkerStatus(string Name, long Incarnation, int Restarts, long UnitsRun, bool Busy);

/// <summary>From the facade: start this run, already checked and owning its units.</summary>
internal sealed record StartWorkRun(WorkRun Run) : IComputeCommand;

/// <summary>To a worker, through the round-robin pool: take units of this run until none is left.</summary>
internal sealed record DrainRun(WorkRun Run);

/// <summary>From a run: its last unit finished.</summary>
internal sealed record WorkRunEnded(long RunId);

/// <summary>CoordinatedShutdown: cancel every run.</summary>
internal sealed record CancelAllWorkRuns
{
    public static CancelAllWorkRuns Instance { get; } = new();
}
