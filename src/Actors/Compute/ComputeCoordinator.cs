using Akka.Actor;
using Akka.Event;
using Akka.Routing;

namespace Actors.Compute;

/// <summary>
/// The compute pool's coordinator (<c>/user/compute</c>): owns the round-robin pool of workers (on their
/// own dispatcher, restarted one by one by the pool's supervision), starts runs by telling the pool one
/// <see cref="DrainRun"/> per worker the run can use, and keeps the runs that have units left.
/// </summary>
internal sealed class ComputeCoordinator : ReceiveActor
{
    private readonly ComputeSettings _settings;
    private readonly ComputeWorkers _workers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, WorkRun> _runs = [];
    private IActorRef _pool = ActorRefs.Nobody;

    public ComputeCoordinator(ComputeSettings settings, ComputeWorkers workers)
    {
        _settings = settings;
        _workers = workers;
        Receive<RunWork>(OnRunWork);
        Receive<StartWorkRun>(start => Start(start.Run));
        Receive<WorkRunEnded>(ended => _runs.Remove(ended.RunId));
        Receive<CancelWorkRun>(cancel =>
        {
            if (_runs.TryGetValue(cancel.RunId, out var run))
            {
                run.Cancel();
            }
        });
        Receive<GetComputePoolStatus>(_ => Sender.Tell(new ComputePoolStatus(_settings.PoolSize, _runs.Count, _workers.Snapshot())));
        Receive<CancelAllWorkRuns>(_ =>
        {
            CancelAll();
            Sender.Tell(Akka.Done.Instance);
        });
    }

    public static Props Props(ComputeSettings settings, ComputeWorkers workers) =>
        Akka.Actor.Props.Create(() => new ComputeCoordinator(settings, workers));

    protected override void PreStart()
    {
        // Set on the pool, not the workers' props: a worker whose unit threw is restarted alone; its
        // mailbox (the runs it still has to take from) survives the restart.
        var supervision = new OneForOneStrategy(-1, -1, _ => Directive.Restart, loggingEnabled: false);
        var pool = new RoundRobinPool(_settings.PoolSize).WithSupervisorStrategy(supervision);
        _pool = Context.ActorOf(ComputeWorker.Props(_settings, _workers).WithDispatcher(ComputeSettings.DispatcherId).WithRouter(pool), "workers");
        _log.Info("Compute pool started: {0} workers on {1}", _settings.PoolSize, ComputeSettings.DispatcherId);
    }

    protected override void PostStop() => CancelAll();

    private void OnRunWork(RunWork request)
    {
        var requester = Sender;
        WorkRun run;
        try
        {
            run = WorkRun.Create(request.Units, request.Mode, request.Count, request.Options, _settings, _log, new ReplyingObserver(requester));
        }
        catch (ArgumentException e)
        {
            requester.Tell(new Status.Failure(e));
            return;
        }

        requester.Tell(new WorkRunStarted(run));
        Start(run);
    }

    private void Start(WorkRun run)
    {
        _runs[run.Id] = run;
        run.Begin(Self);
        var drain = new DrainRun(run);
        for (var i = Math.Min(run.Units.Count, _settings.PoolSize); i > 0; i--)
        {
            _pool.Tell(drain);
        }
    }

    private void CancelAll()
    {
        foreach (var run in _runs.Values)
        {
            run.Cancel();
        }
    }

    /// <summary>Answers a run requested by message: each unit of a stream run, then the outcome (none for a fire run).</summary>
    private sealed class ReplyingObserver(IActorRef requester) : IWorkRunObserver
    {
        public void UnitFinished(WorkUnit unit)
        {
            if (unit.Run is { Mode: WorkRunMode.Stream } run)
            {
                requester.Tell(new WorkUnitFinished(run.Id, unit));
            }
        }

        public void RunEnded(WorkRun run)
        {
            if (run.Mode == WorkRunMode.Fire)
            {
                return;
            }

            requester.Tell(run.Settlement == WorkRunSettlement.Succeeded ? new WorkRunCompleted(run) : new WorkRunFailed(run, run.Failure!));
        }
    }
}
