using Akka.Actor;

namespace Actors.Tasks;

// Scheduling: which waiting attempt starts when. Waiting tasks wait here, per type, most urgent first and
// in arrival order within a priority; an attempt is sent to a lane (of the least busy executor) only when
// a slot of its type and one in all are free. Slots come back through messages: at an attempt's end, or with a journal once its end
// is stored (so after a crash no more attempts run again than there are slots).
internal sealed partial class TaskQueueActor
{
    private readonly Dictionary<string, PriorityQueue<TaskRun, (int Urgency, long Arrival)>> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slotsTaken = new(StringComparer.Ordinal);
    private int _slotsTakenInAll;

    /// <summary>The rate-limited types' gates (<see cref="TaskRateLimit"/>), replenished by the queue's timer.</summary>
    private readonly Dictionary<string, TaskRateGate> _rateGates = new(StringComparer.Ordinal);

    /// <summary>Types out of permits in the current pass of <see cref="StartWhatMayStart"/>.</summary>
    private readonly HashSet<string> _rateHeld = new(StringComparer.Ordinal);
    private long _arrivals;

    /// <summary>Queues the task's next attempt and starts whatever may start.</summary>
    private void SendRun(TaskRun run)
    {
        _waiting[run.Definition.Type].Enqueue(run, (-run.Record.Priority, ++_arrivals));
        StartWhatMayStart();
    }

    /// <summary>While slots are free (and the queue is not draining), starts the most urgent waiting attempt of a type with a free slot.</summary>
    private void StartWhatMayStart()
    {
        _rateHeld.Clear();
        while (!_draining && _slotsTakenInAll < _settings.GlobalConcurrency && PickExecutor() is { } executor)
        {
            TaskRun? next = null;
            var best = (Urgency: int.MaxValue, Arrival: long.MaxValue);
            foreach (var (type, waiting) in _waiting)
            {
                if (!TypeMayStart(type) || _rateGates.Count > 0 && (_rateHeld.Contains(type) || _rateGates.TryGetValue(type, out var gate) && gate.CoolingDown))
                {
                    continue;
                }

                // Tasks cancelled or expired while they waited leave when they reach the head.
                while (waiting.TryPeek(out var head, out _) && !MayStart(head))
                {
                    waiting.Dequeue();
                }

                if (waiting.TryPeek(out var candidate, out var order) && order.CompareTo(best) < 0)
                {
                    (next, best) = (candidate, order);
                }
            }

            if (next is null)
            {
                return;
            }

            if (_rateGates.Count > 0 && _rateGates.TryGetValue(next.Definition.Type, out var rate) && !rate.TryTake())
            {
                // Out of permits this period: the type waits for the next one, the others go on.
                _rateHeld.Add(next.Definition.Type);
                continue;
            }

            _waiting[next.Definition.Type].Dequeue();
            Start(next, executor);
        }
    }

    private bool MayStart(TaskRun run) =>
        !run.AttemptRunning && run.Record.Status is TaskState.Waiting or TaskState.RetryWaiting && _tasks.ContainsKey(run.Record.Id);

    private void Start(TaskRun run, Executor executor)
    {
        TakeSlots(run.Definition.Type);
        OnAttemptStarting(run);
        var attempt = run.Record.Attempts + 1;
        Place(run, executor, attempt);
        executor.Lanes[run.Definition.Type].Tell(new RunTask(run.Record.Id, run.Definition.Type, attempt, run.Input, run.Record.IdempotencyKey));
        if (_remoteExecutors)
        {
            // A lane on another node starts what it is sent at once; a round trip to hear it would only delay the record.
            MarkStarted(run, attempt, executor.Node);
        }
    }

    private void TakeSlots(string type)
    {
        _slotsTaken[type]++;
        _slotsTakenInAll++;
    }

    private void ReleaseSlots(string type)
    {
        _slotsTaken[type]--;
        _slotsTakenInAll--;
    }

    /// <summary>An attempt of <paramref name="type"/> has ended (and, with a journal, its end is stored): its slots are free.</summary>
    private void FreeSlots(string type)
    {
        ReleaseSlots(type);
        StartWhatMayStart();
    }

    /// <summary>Frees an ended attempt's slots once everything written so far (its end included) is stored; at once without a journal.</summary>
    private void FreeSlotsWhenStored(string type)
    {
        if (_journal is null)
        {
            FreeSlots(type);
            return;
        }

        _journal.Tell(new ConfirmWhenWritten(new SlotsFreed(type)));
    }

    /// <summary>Fires the token of the task's running attempt, if one runs.</summary>
    private void CancelAttempt(TaskRun run)
    {
        if (run.RunningOn is { } on && run.RunningAttempt is { } attempt)
        {
            on.Lanes[run.Definition.Type].Tell(new CancelAttempt(run.Record.Id, attempt));
        }
    }

    /// <summary>Creates the gates of the rate-limited types and their period's timer.</summary>
    private void StartRateGates()
    {
        foreach (var definition in _definitions.Values.Where(d => d.Settings.RateLimit is not null))
        {
            _rateGates.Add(definition.Type, new TaskRateGate(definition.Settings.RateLimit!));
        }

        if (_rateGates.Count > 0)
        {
            Timers.StartPeriodicTimer(RatePeriodPassed.Instance, RatePeriodPassed.Instance, TaskRateLimit.Period);
        }
    }

    private void OnRatePeriodPassed()
    {
        foreach (var gate in _rateGates.Values)
        {
            gate.OnPeriod();
        }

        StartWhatMayStart();
    }
}

/// <summary>A second has passed: the rate-limited types get their next permits.</summary>
internal sealed record RatePeriodPassed
{
    public static readonly RatePeriodPassed Instance = new();
}

/// <summary>From the journal: the end of an attempt of this type is stored; its slots may go to the next task.</summary>
internal sealed record SlotsFreed(string Type);
