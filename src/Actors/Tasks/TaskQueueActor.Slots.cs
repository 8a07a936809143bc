using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

// Scheduling: which waiting attempt starts when. Waiting tasks wait here, in groups (a type's tasks, or those of one of
// its policy keys), most urgent first and in arrival order within a priority; an attempt is sent to a lane (of the least
// busy executor) only when a slot of its type and one in all are free and its group's policies (rate, breaker, adaptive
// limit) let it start. Slots come back at an attempt's end. With a journal an attempt runs only once its start is
// stored, and its start is written after the end of the attempt that held its slot before, so the journal never holds
// more attempts as running than there are slots (and no more run again after a crash).
internal sealed partial class TaskQueueActor
{
    /// <summary>The most policy keys whose groups are kept; beyond it, idle keys' groups are forgotten.</summary>
    private const int MaxKeyedGroups = 10_000;

    /// <summary>Every group, by name: one per type (its name), plus one per policy key seen (<c>type[key]</c>).</summary>
    private readonly Dictionary<string, TaskGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slotsTaken = new(StringComparer.Ordinal);
    private int _slotsTakenInAll;
    private int _keyedGroups;

    /// <summary>Groups with a rate limit: their buckets are refilled by the queue's timer.</summary>
    private bool _rateLimited;

    /// <summary>Groups out of rate permits in the current pass of <see cref="StartWhatMayStart"/>.</summary>
    private readonly List<TaskGroup> _rateHeld = [];
    private long _arrivals;

    /// <summary>Creates each type's own group and, if any type has a start rate, the rate period's timer.</summary>
    private void StartGroups()
    {
        foreach (var definition in _definitions.Values)
        {
            _groups.Add(definition.Type, new TaskGroup(definition, null));
            _slotsTaken[definition.Type] = 0;
            _rateLimited |= definition.Settings.RateLimit is not null;
        }

        if (_rateLimited)
        {
            Timers.StartPeriodicTimer(RatePeriodPassed.Instance, RatePeriodPassed.Instance, TaskRateLimit.Period);
        }
    }

    /// <summary>The group a task waits and runs in: its policy key's, or its type's.</summary>
    private TaskGroup GroupOf(TaskRun run)
    {
        if (run.Group is { Forgotten: false } known)
        {
            return known;
        }

        var key = run.Definition.HasPolicyKey ? run.Definition.PolicyKeyOf(run.Input) : null;
        var name = key is null ? run.Definition.Type : $"{run.Definition.Type}[{key}]";
        if (!_groups.TryGetValue(name, out var group))
        {
            ForgetIdleKeysIfFull();
            _groups.Add(name, group = new TaskGroup(run.Definition, key));
            _keyedGroups++;
        }

        return run.Group = group;
    }

    private void ForgetIdleKeysIfFull()
    {
        if (_keyedGroups < MaxKeyedGroups)
        {
            return;
        }

        var idle = _groups.Where(g => g.Value.Key is not null && g.Value.Idle).Select(g => g.Key).ToList();
        foreach (var name in idle)
        {
            _groups.Remove(name, out var forgotten);
            forgotten!.Forgotten = true;
        }

        _keyedGroups -= idle.Count;
        _log.Info("The queue kept the policies of {0} keys; it forgot the {1} idle ones", MaxKeyedGroups, idle.Count);
    }

    /// <summary>Queues the task's next attempt and starts whatever may start.</summary>
    private void SendRun(TaskRun run)
    {
        GroupOf(run).Waiting.Enqueue(run, run.Record.Priority, ++_arrivals);
        CountWaiting(run, +1);
        StartWhatMayStart();
    }

    /// <summary>While slots are free (and the queue is not draining), starts the most urgent waiting attempt of a group that may start.</summary>
    private void StartWhatMayStart()
    {
        _rateHeld.ForEach(group => group.RateHeld = false);
        _rateHeld.Clear();
        while (!_draining && _slotsTakenInAll < _settings.GlobalConcurrency && PickExecutor() is { } executor)
        {
            TaskRun? next = null;
            TaskGroup? from = null;
            var best = (Urgency: int.MaxValue, Arrival: long.MaxValue);
            foreach (var group in _groups.Values)
            {
                var waiting = group.Waiting;
                if (waiting.Count == 0 || !group.MayStart || _slotsTaken[group.Definition.Type] >= group.Definition.Settings.ConcurrencyLimit)
                {
                    continue;
                }

                // Tasks cancelled or expired while they waited leave when they reach the head.
                while (waiting.TryPeek(out var head, out _) && !MayStart(head))
                {
                    CountWaiting(waiting.Dequeue(), -1);
                }

                // Its most urgent task is at the head: if load shedding holds that one back, it holds them all.
                if (waiting.TryPeek(out var candidate, out var order) && order.CompareTo(best) < 0 && candidate.Record.Priority >= _holdBelow)
                {
                    (next, from, best) = (candidate, group, order);
                }
            }

            if (next is null || from is null)
            {
                return;
            }

            if (from.Rate is { } rate && !rate.TryTake())
            {
                // Out of permits this period: the group waits for the next one, the others go on.
                from.RateHeld = true;
                _rateHeld.Add(from);
                continue;
            }

            CountWaiting(from.Waiting.Dequeue(), -1);
            Start(next, executor);
        }
    }

    /// <summary>Counts a task into or out of the waiting (by type and priority) that the metrics show.</summary>
    private static void CountWaiting(TaskRun run, int change)
    {
        if (TaskMetrics.Waiting.Enabled)
        {
            TaskMetrics.Waiting.Add(change, TaskMetrics.Type(run.Definition.Type), new KeyValuePair<string, object?>("priority", run.Record.Priority));
        }
    }

    /// <summary>The queue stops (or restarts after a failed journal write): its waiting tasks leave the count with it.</summary>
    private void UncountWaiting()
    {
        foreach (var group in _groups.Values)
        {
            foreach (var run in group.Waiting.Items)
            {
                CountWaiting(run, -1);
            }
        }
    }

    /// <summary>Whether a waiting attempt may still start (a task is forgotten only once it has ended, so its status says it all).</summary>
    private static bool MayStart(TaskRun run) => !run.AttemptRunning && run.Record.Status is TaskState.Waiting or TaskState.RetryWaiting;

    /// <summary>
    /// Records the attempt as started and sends it to its lane, which runs it at once; with a journal, only once the
    /// start is stored (<see cref="OnStartStored"/>), so that after a crash an attempt that may have run is never run
    /// again under the same number.
    /// </summary>
    private void Start(TaskRun run, Executor executor)
    {
        TakeSlots(run);
        OnAttemptStarting(run);
        var attempt = run.Record.Attempts + 1;
        Place(run, executor, attempt);
        if (_journal is null)
        {
            // Sent first: the handler begins while the queue records the start.
            executor.Run(run, attempt);
            MarkStarted(run, attempt, executor.Node);
            return;
        }

        run.StartStoring = MarkStarted(run, attempt, executor.Node);
        if (!run.StartStoring)
        {
            // The start could not be written (logged): nothing will confirm it.
            executor.Run(run, attempt);
        }
    }

    /// <summary>From the journal: an attempt's start is stored. It goes to its lane, or, if it was cancelled meanwhile, ends without running.</summary>
    private void OnStartStored(StartStored stored)
    {
        if (RunOf(stored.TaskId) is not { StartStoring: true, RunningOn: { } executor } run || run.RunningAttempt != stored.Attempt)
        {
            return;
        }

        if (!run.CancelWhenStored)
        {
            run.StartStoring = false;
            executor.Run(run, stored.Attempt);
            return;
        }

        // Its token would have fired before the handler began: the attempt ends cancelled, as a lane reports one cancelled before it ran.
        Settle(run, new AttemptEnded(run.Record.Id, run.Definition.Type, stored.Attempt, null,
            run.Definition.Classify(new OperationCanceledException("The attempt was cancelled before it ran."))));
    }

    private void TakeSlots(TaskRun run)
    {
        _slotsTaken[run.Definition.Type]++;
        _slotsTakenInAll++;
        GroupOf(run).Running++;
    }

    private void ReleaseSlots(TaskGroup group)
    {
        _slotsTaken[group.Definition.Type]--;
        _slotsTakenInAll--;
        group.Running--;
    }

    /// <summary>
    /// An attempt of <paramref name="group"/> has ended: its slots are free at once. With a journal the next attempt still
    /// runs only after its end is stored, as its start is written behind that end and it runs once its start is stored.
    /// </summary>
    private void FreeSlots(TaskGroup group)
    {
        ReleaseSlots(group);
        StartWhatMayStart();
    }

    /// <summary>Fires the token of the task's running attempt, if one runs.</summary>
    private void CancelAttempt(TaskRun run)
    {
        if (run.StartStoring)
        {
            run.CancelWhenStored = true;
        }
        else if (run.RunningOn is { } on && run.RunningAttempt is { } attempt)
        {
            on.Cancel(run.Definition.Type, run.Record.Id, attempt);
        }
    }

    private void OnRatePeriodPassed()
    {
        foreach (var group in _groups.Values)
        {
            group.Rate?.OnPeriod();
        }

        StartWhatMayStart();
    }

    /// <summary>From the journal: the start of this attempt is stored; it may run.</summary>
    private sealed record StartStored(string TaskId, int Attempt);

    /// <summary>
    /// A type's tasks under one policy key (the type's own group when it has none, or the key is null): the waiting
    /// queue, the attempts running, and the policies that apply to them together. Owned by the queue actor.
    /// </summary>
    private sealed class TaskGroup(TaskDefinition definition, string? key)
    {
        public TaskDefinition Definition { get; } = definition;

        /// <summary>The policy key; null for the type's own group.</summary>
        public string? Key { get; } = key;

        public TaskWaitingQueue<TaskRun> Waiting { get; } = new();

        /// <summary>Attempts of the group running (their slots taken).</summary>
        public int Running { get; set; }

        public TaskRateGate? Rate { get; } = definition.Settings.RateLimit is { } rate ? new TaskRateGate(rate) : null;

        public TaskBreakerGate? Breaker { get; } = definition.Settings.CircuitBreaker is { } breaker ? new TaskBreakerGate(breaker) : null;

        public AdaptiveLimit? Adaptive { get; } = definition.Settings.Adaptive is { } adaptive ? new AdaptiveLimit(adaptive, definition.Settings.ConcurrencyLimit) : null;

        public RecentOutcomes Outcomes { get; } = new();

        /// <summary>Out of rate permits in the current pass of <see cref="StartWhatMayStart"/>.</summary>
        public bool RateHeld { get; set; }

        /// <summary>Whether its policies let another attempt start now (the type's slots aside).</summary>
        public bool MayStart =>
            (Breaker is null || Breaker.MayStart) && (Adaptive is null || Running < Adaptive.Current) && (Rate is null || !RateHeld && !Rate.CoolingDown);

        /// <summary>Forgotten while idle: a task that still names it (one waiting for its retry) finds its key's new group.</summary>
        public bool Forgotten { get; set; }

        /// <summary>Nothing waits or runs and its breaker is closed: forgetting it loses only what its limits learned.</summary>
        public bool Idle => Running == 0 && Waiting.Count == 0 && (Breaker is null || Breaker.State == TaskCircuitState.Closed);
    }
}

/// <summary>A second has passed: the rate-limited groups get their next permits.</summary>
internal sealed record RatePeriodPassed
{
    public static readonly RatePeriodPassed Instance = new();
}
