using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Actors.Compute;

/// <summary>
/// A routee of the compute pool: on a <see cref="DrainRun"/> it takes units of that run (a batch at a
/// time, only while it is free) and runs them, until none is left or its time slice is up. A unit that
/// throws fails alone; the worker then throws so that the pool's supervision restarts it (and only it),
/// after giving back what it had claimed and queueing the run for its next instance.
/// </summary>
internal sealed class ComputeWorker : UntypedActor
{
    private readonly ComputeWorkers.Slot _slot;
    private readonly WorkContext _context;
    private readonly IScheduler _scheduler;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly long _sliceTicks;

    public ComputeWorker(ComputeSettings settings, ComputeWorkers workers)
    {
        _slot = workers.Started(Self.Path.Name);
        _context = new WorkContext(_slot.Name, _slot.Incarnation);
        _scheduler = Context.System.Scheduler;
        _sliceTicks = (long)(settings.TimeSlice.TotalSeconds * Stopwatch.Frequency);
    }

    public static Props Props(ComputeSettings settings, ComputeWorkers workers) =>
        Akka.Actor.Props.Create(() => new ComputeWorker(settings, workers));

    protected override void OnReceive(object message)
    {
        if (message is DrainRun drain)
        {
            Volatile.Write(ref _slot.Busy, 1);
            try
            {
                Drain(drain);
            }
            finally
            {
                Volatile.Write(ref _slot.Busy, 0);
            }
        }
        else
        {
            Unhandled(message);
        }
    }

    private void Drain(DrainRun drain)
    {
        var run = drain.Run;
        var sliceEnds = Stopwatch.GetTimestamp() + _sliceTicks;
        var finished = 0;
        try
        {
            while (run.TryTakeNext(_slot.Index, out var unit, out var batchEdge))
            {
                if (RunAttempt(run, unit, ref finished) is { } crash)
                {
                    // What this worker had claimed stays in its batch, for the others (and its next instance) to take.
                    _log.Warning("Worker {0}: work unit {1} of run {2} threw {3}: {4}; the worker restarts", _slot.Name, unit.Id, run.Id, crash.GetType().Name, crash.Message);
                    Self.Tell(drain);
                    throw new WorkUnitCrashedException(unit, crash);
                }

                // Fine-grained units come in batches: looking at the clock once a batch keeps its cost off each unit.
                if (batchEdge && Stopwatch.GetTimestamp() >= sliceEnds)
                {
                    // Let other runs waiting in the mailbox have their turn; this one comes round again.
                    Self.Tell(drain);
                    return;
                }
            }
        }
        finally
        {
            run.CountFinished(finished);
        }
    }

    /// <summary>Runs one attempt of <paramref name="unit"/> if it is pending. Returns the exception it threw, if that is a crash.</summary>
    private Exception? RunAttempt(WorkRun run, WorkUnit unit, ref int finished)
    {
        var running = unit.TryStartAttempt();
        if (running < 0)
        {
            return null;
        }

        // Only this worker writes its count: no atomic increment needed.
        Volatile.Write(ref _slot.UnitsRun, _slot.UnitsRun + 1);
        Exception? error = null;
        var timer = unit.IsCancelRequested ? null : ScheduleTimeout(run, unit, running);
        if (!unit.IsCancelRequested)
        {
            try
            {
                unit.Execute(_context);
            }
            catch (Exception e)
            {
                error = e;
            }
        }

        timer?.Cancel();
        var timedOut = unit.TimedOut(running);
        if (timedOut)
        {
            error = new WorkUnitTimeoutException(unit, unit.Options.Timeout!.Value, unit.Attempts);
        }

        switch (unit.TryEndAttempt(running, error))
        {
            case WorkStatus.Pending:
                run.Retry(unit);
                break;
            case { } status:
                finished++;
                run.OnFinished(unit);
                if (status == WorkStatus.Cancelled)
                {
                    return null;
                }

                break;
            case null:
                return null;
        }

        return error is not null && !timedOut ? error : null;
    }

    private ICancelable? ScheduleTimeout(WorkRun run, WorkUnit unit, int running)
    {
        if (unit.Options.Timeout is not { } timeout)
        {
            return null;
        }

        var attemptTokens = unit.CurrentAttemptTokenSource!;
        var timer = new Cancelable(_scheduler);
        _scheduler.Advanced.ScheduleOnce(timeout, () =>
        {
            if (unit.ExpireAttempt(running, attemptTokens))
            {
                run.Finished(unit);
            }
        }, timer);
        return timer;
    }
}
