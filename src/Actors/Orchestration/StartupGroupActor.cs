using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Actors.Orchestration;

/// <summary>
/// Runs one start-up: starts each component once its dependencies have started, the highest priority first, never
/// more than the limit at once; retries, times out, skips what depends on a failed optional component, and stops
/// everything when a required one fails. It owns all of this state; components' start functions run on the thread pool.
/// </summary>
internal sealed class StartupGroupActor : UntypedActor, IWithTimers
{
    private readonly StartupPlan _plan;
    private readonly StartupOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int[] _waitingFor;
    private readonly int[] _attempts;
    private readonly long[] _firstStarted;
    private readonly bool[] _ended;
    private readonly CancellationTokenSource?[] _running;

    /// <summary>Components whose dependencies have started, the highest priority (then the earliest given) first.</summary>
    private readonly PriorityQueue<int, (int Priority, int Index)> _ready = new();
    private readonly List<ComponentReport> _reports = [];
    private readonly long _began = Stopwatch.GetTimestamp();
    private IActorRef _requester = ActorRefs.Nobody;
    private int _inFlight;

    public StartupGroupActor(StartupPlan plan, StartupOptions options)
    {
        _plan = plan;
        _options = options;
        var count = plan.Components.Count;
        _waitingFor = (int[])plan.Dependencies.Clone();
        _attempts = new int[count];
        _firstStarted = new long[count];
        _ended = new bool[count];
        _running = new CancellationTokenSource?[count];
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StartupPlan plan, StartupOptions options) => Akka.Actor.Props.Create(() => new StartupGroupActor(plan, options));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunStartup:
                _requester = Sender;
                for (var i = 0; i < _waitingFor.Length; i++)
                {
                    if (_waitingFor[i] == 0)
                    {
                        MakeReady(i);
                    }
                }

                StartWhatMay();
                break;
            case AttemptEnded ended when ended.Attempt == _attempts[ended.Index] && _running[ended.Index] is not null:
                OnAttemptEnded(ended.Index, ended.Error);
                break;
            case AttemptEnded:
                break; // a late end of an attempt that had timed out
            case AttemptTimedOut timedOut when timedOut.Attempt == _attempts[timedOut.Index] && _running[timedOut.Index] is not null:
                OnAttemptEnded(timedOut.Index, new TimeoutException($"its start did not complete within {TimeoutOf(timedOut.Index)}"));
                break;
            case AttemptTimedOut:
                break;
            case RetryDue retry:
                MakeReady(retry.Index);
                StartWhatMay();
                break;
            case AbandonStartup:
                Fail(null, "start-up was cancelled");
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        foreach (var running in _running)
        {
            running?.Cancel();
            running?.Dispose();
        }
    }

    private void MakeReady(int index) => _ready.Enqueue(index, (-_plan.Components[index].Priority, index));

    private void StartWhatMay()
    {
        while (_inFlight < _options.Concurrency && _ready.TryDequeue(out var index, out _))
        {
            Launch(index);
        }

        if (_reports.Count == _plan.Components.Count)
        {
            _requester.Tell(new StartupReport(_reports, Stopwatch.GetElapsedTime(_began)));
            Context.Stop(Self);
        }
    }

    private void Launch(int index)
    {
        var component = _plan.Components[index];
        var attempt = ++_attempts[index];
        if (attempt == 1)
        {
            _firstStarted[index] = Stopwatch.GetTimestamp();
        }

        var cancel = new CancellationTokenSource();
        _running[index] = cancel;
        _inFlight++;
        Timers.StartSingleTimer(index, new AttemptTimedOut(index, attempt), TimeoutOf(index));
        var self = Self;
        var token = cancel.Token;
        Task.Run(() => component.Start(token) ?? throw new InvalidOperationException($"Start of '{component.Name}' returned a null Task."), token)
            .ContinueWith(task => self.Tell(new AttemptEnded(index, attempt, task.IsCompletedSuccessfully ? null : task.Exception?.GetBaseException()
                ?? new OperationCanceledException("its start was cancelled"))), TaskScheduler.Default);
    }

    private void OnAttemptEnded(int index, Exception? error)
    {
        Timers.Cancel(index);
        _running[index]!.Cancel();
        _running[index]!.Dispose();
        _running[index] = null;
        _inFlight--;
        var component = _plan.Components[index];
        if (error is null)
        {
            End(index, ComponentOutcome.Started, null);
            foreach (var dependent in _plan.Dependents[index])
            {
                if (--_waitingFor[dependent] == 0 && !_ended[dependent])
                {
                    MakeReady(dependent);
                }
            }
        }
        else if (_attempts[index] <= component.Retries)
        {
            var backoff = TimeSpan.FromMilliseconds(100 * Math.Pow(2, _attempts[index] - 1));
            _log.Warning("Start-up component {0} failed (attempt {1} of {2}): {3}; trying again in {4}", component.Name, _attempts[index], component.Retries + 1, error.Message, backoff);
            Timers.StartSingleTimer(index, new RetryDue(index), backoff);
        }
        else
        {
            var reason = $"failed after {_attempts[index]} attempt{(_attempts[index] == 1 ? "" : "s")}: {error.GetType().Name}: {error.Message}";
            if (component.Required)
            {
                Fail(index, reason);
                return;
            }

            _log.Warning("Optional start-up component {0} {1}; the application starts without it", component.Name, reason);
            End(index, ComponentOutcome.Failed, reason);
            if (!SkipDependents(index))
            {
                return;
            }
        }

        StartWhatMay();
    }

    /// <summary>Skips everything that depends on a failed component; false if that fails the start-up (a required one among them).</summary>
    private bool SkipDependents(int failed)
    {
        var pending = new Stack<int>(_plan.Dependents[failed]);
        while (pending.TryPop(out var dependent))
        {
            if (_ended[dependent])
            {
                continue;
            }

            var reason = $"was not started: it depends on '{_plan.Components[failed].Name}', which did not start";
            if (_plan.Components[dependent].Required)
            {
                Fail(dependent, reason);
                return false;
            }

            End(dependent, ComponentOutcome.Skipped, reason);
            foreach (var next in _plan.Dependents[dependent])
            {
                pending.Push(next);
            }
        }

        return true;
    }

    /// <summary>Stops the start-up: running components are cancelled, and the requester gets the failure.</summary>
    private void Fail(int? index, string reason)
    {
        var name = index is { } which ? _plan.Components[which].Name : "(start-up)";
        if (index is { } failed)
        {
            End(failed, ComponentOutcome.Failed, reason);
        }

        for (var i = 0; i < _ended.Length; i++)
        {
            if (!_ended[i])
            {
                End(i, ComponentOutcome.Skipped, "start-up stopped before it started");
            }
        }

        var report = new StartupReport(_reports, Stopwatch.GetElapsedTime(_began));
        _log.Error("Start-up failed: {0} {1}", name, reason);
        _requester.Tell(new Status.Failure(index is null ? new OperationCanceledException($"Start-up {reason}.") : new StartupFailedException(name, reason, report)));
        Context.Stop(Self);
    }

    private void End(int index, ComponentOutcome outcome, string? error)
    {
        _ended[index] = true;
        var duration = _attempts[index] == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_firstStarted[index]);
        _reports.Add(new ComponentReport(_plan.Components[index].Name, outcome, _attempts[index], duration, error));
    }

    private TimeSpan TimeoutOf(int index) => _plan.Components[index].Timeout ?? _options.AttemptTimeout;

    private sealed record AttemptEnded(int Index, int Attempt, Exception? Error);

    private sealed record AttemptTimedOut(int Index, int Attempt);

    private sealed record RetryDue(int Index);
}

/// <summary>Begins the start-up; answered with its <see cref="StartupReport"/>, or a failure.</summary>
internal sealed record RunStartup
{
    public static readonly RunStartup Instance = new();
}

/// <summary>The caller gave up: cancel what runs and stop.</summary>
internal sealed record AbandonStartup
{
    public static readonly AbandonStartup Instance = new();
}
