using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Actors.Compute;

/// <summary>What workers, timeouts and cancellations do to a run (thread-safe: they call it concurrently).</summary>
public sealed partial class WorkRun
{
    /// <summary>A transient settlement while the failure is being recorded: read as Open.</summary>
    private const int Deciding = -1;

    /// <summary>Starts the run for <paramref name="coordinator"/>, which it tells when it ends (a run of no units ends now).</summary>
    internal void Begin(IActorRef coordinator)
    {
        Volatile.Write(ref _coordinator, coordinator);
        if (_units.Length == 0)
        {
            End();
        }
    }

    /// <summary>A unit finished by someone other than a worker (a cancellation, a timeout): settles and counts it.</summary>
    internal void Finished(WorkUnit unit)
    {
        OnFinished(unit);
        CountFinished(1);
    }

    /// <summary>A unit finished by a worker, which counts its units in <see cref="CountFinished"/> per batch.</summary>
    internal void OnFinished(WorkUnit unit)
    {
        var status = unit.Status;
        if (status == WorkStatus.Completed && Mode is WorkRunMode.All or WorkRunMode.Fire)
        {
            _observer?.UnitFinished(unit);
            return;
        }

        switch (Mode)
        {
            case WorkRunMode.Race or WorkRunMode.Any:
                SettleFirstSuccesses(unit, status);
                break;
            case WorkRunMode.All when !Options.CollectErrors:
                Settle(status == WorkStatus.Failed ? WorkRunSettlement.Failed : WorkRunSettlement.Cancelled, unit.Error!);
                break;
            case WorkRunMode.Fire when status == WorkStatus.Failed:
                _log.Warning("Work run {0} (fire): work unit {1} failed after {2} attempt(s): {3}", Id, unit.Id, unit.Attempts, unit.Error);
                break;
        }

        _observer?.UnitFinished(unit);
    }

    /// <summary>Counts finished units; the last one ends the run.</summary>
    internal void CountFinished(int units)
    {
        if (units > 0 && Interlocked.Add(ref _unfinished, -units) == 0)
        {
            End();
        }
    }

    private void SettleFirstSuccesses(WorkUnit unit, WorkStatus status)
    {
        if (status == WorkStatus.Completed)
        {
            var rank = Interlocked.Increment(ref _successes);
            if (rank <= Count)
            {
                _winners[rank - 1] = unit;
                if (rank == Count)
                {
                    Settle(WorkRunSettlement.Succeeded, null);
                }
            }

            return;
        }

        if (_units.Length - Interlocked.Increment(ref _nonSuccesses) < Count)
        {
            var errors = _units.Select(u => u.Error).OfType<Exception>().ToArray();
            Settle(WorkRunSettlement.Failed, new AggregateException(
                $"Work run {Id} ({Mode}) needed {Count} successful unit(s) but {errors.Length} of {_units.Length} failed or were cancelled.", errors));
        }
    }

    /// <summary>Decides the run's outcome (the first decision wins); an early decision cancels what is left.</summary>
    private void Settle(WorkRunSettlement settlement, Exception? failure)
    {
        if (Interlocked.CompareExchange(ref _settlement, Deciding, (int)WorkRunSettlement.Open) != (int)WorkRunSettlement.Open)
        {
            return;
        }

        Volatile.Write(ref _failure, failure);
        Volatile.Write(ref _settlement, (int)settlement);

        if (Volatile.Read(ref _unfinished) > 0)
        {
            _stopped = true;
            foreach (var unit in _units)
            {
                unit.Cancel();
            }
        }
    }

    private void End()
    {
        // All, stream and fire runs that were not settled early succeed when their last unit finishes.
        Interlocked.CompareExchange(ref _settlement, (int)WorkRunSettlement.Succeeded, (int)WorkRunSettlement.Open);

        // A Cancel racing the last unit may be recording its failure: the end must show the settlement it picked.
        SpinWait.SpinUntil(() => Volatile.Read(ref _settlement) != Deciding);
        _observer?.RunEnded(this);
        Volatile.Read(ref _coordinator)?.Tell(new WorkRunEnded(Id));
        RecordMetrics();
        if (_log.IsDebugEnabled)
        {
            var completed = _units.Count(u => u.Status == WorkStatus.Completed);
            var failed = _units.Count(u => u.Status == WorkStatus.Failed);
            _log.Debug("Work run {0} ({1}, {2} units) ended {3} in {4:0.###} ms: {5} completed, {6} failed, {7} cancelled",
                [Id, Mode, _units.Length, Settlement, Stopwatch.GetElapsedTime(_createdAt).TotalMilliseconds, completed, failed, _units.Length - completed - failed]);
        }

        _ended.TrySetResult();
    }

    /// <summary>Its metrics, and the end of its span.</summary>
    private void RecordMetrics()
    {
        var mode = new KeyValuePair<string, object?>("mode", Mode.ToString().ToLowerInvariant());
        ComputeMetrics.Runs.Add(1, mode, new KeyValuePair<string, object?>("settlement", Settlement.ToString().ToLowerInvariant()));
        if (ComputeMetrics.RunDuration.Enabled)
        {
            ComputeMetrics.RunDuration.Record(Stopwatch.GetElapsedTime(_createdAt).TotalSeconds, mode);
        }

        if (ComputeMetrics.Units.Enabled || _span is not null)
        {
            var completed = _units.Count(u => u.Status == WorkStatus.Completed);
            var failed = _units.Count(u => u.Status == WorkStatus.Failed);
            ComputeMetrics.Units.Add(completed, mode, new KeyValuePair<string, object?>("outcome", "completed"));
            ComputeMetrics.Units.Add(failed, mode, new KeyValuePair<string, object?>("outcome", "failed"));
            ComputeMetrics.Units.Add(_units.Length - completed - failed, mode, new KeyValuePair<string, object?>("outcome", "cancelled"));
            ComputeTracing.EndRun(_span, Settlement, completed, failed, Failure?.Message);
        }
    }
}
