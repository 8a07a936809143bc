namespace Actors.Compute;

/// <summary>
/// What a unit's function may use while it runs: its cancellation token, a progress reporter, and
/// which attempt and worker this is. Valid only during the call it was passed to.
/// </summary>
public sealed class WorkContext
{
    private WorkUnit _unit = null!;

    internal WorkContext(string workerName, long workerIncarnation)
    {
        WorkerName = workerName;
        WorkerIncarnation = workerIncarnation;
    }

    /// <summary>
    /// Fires when the unit is cancelled (on its own, with its run, or because its run is settled, as for
    /// the losers of a race) or its attempt times out. CPU-bound code should check it now and then.
    /// </summary>
    public CancellationToken CancellationToken => _unit.AttemptToken();

    /// <summary>The attempt running: 1 for the first, 2 for the first retry, and so on.</summary>
    public int Attempt => _unit.Attempts;

    /// <summary>The name of the worker (routee) running the unit.</summary>
    public string WorkerName { get; }

    /// <summary>
    /// A number that identifies this instance of the worker: it changes when the worker is restarted
    /// after a unit threw.
    /// </summary>
    public long WorkerIncarnation { get; }

    /// <summary>Records the unit's progress, from 0 to 100 like a task's (values outside are clamped); read it from <see cref="WorkUnit.Progress"/>.</summary>
    public void ReportProgress(double percent) => _unit.Progress = percent;

    internal WorkContext For(WorkUnit unit)
    {
        _unit = unit;
        return this;
    }
}
