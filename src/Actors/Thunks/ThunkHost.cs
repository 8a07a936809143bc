using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Thunks;

/// <summary>
/// On a cluster, the thunk system's one home: a singleton whose children are the <see cref="ThunkCoordinator"/> and
/// its <see cref="StateStoreActor{TState}"/>, so the two always run (and move) together and the store's state
/// stays consistent with the coordinator's checkpoint. On PostgreSQL it first takes the thunk journal's fence
/// (an advisory lock of its own), so two coordinators never write the journal at once, whatever the cluster's
/// timings. It routes commands to the coordinator and reads to the store.
/// </summary>
internal sealed class ThunkHost<TState> : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private static readonly TimeSpan HandOverPatience = TimeSpan.FromSeconds(5);

    private readonly TState _initialState;
    private readonly Func<TState, object, TState> _reducer;
    private readonly ThunkSettings _settings;
    private readonly ThunkDurability? _durability;
    private readonly DurabilitySettings? _fenced;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _coordinator = ActorRefs.Nobody;
    private IActorRef _store = ActorRefs.Nobody;
    private IDisposable? _fence;
    private bool _fenceWaitLogged;
    private bool _handingOver;

    /// <param name="initialState">The store's state before any action.</param>
    /// <param name="reducer">The store's reducer.</param>
    /// <param name="settings">The coordinator's settings.</param>
    /// <param name="durability">Opt-in checkpoints (with the store's state type set).</param>
    /// <param name="fenced">The journal's settings when it is PostgreSQL (fence it); null otherwise.</param>
    public ThunkHost(TState initialState, Func<TState, object, TState> reducer, ThunkSettings settings, ThunkDurability? durability, DurabilitySettings? fenced)
    {
        (_initialState, _reducer, _settings, _durability, _fenced) = (initialState, reducer, settings, durability, fenced);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(TState initialState, Func<TState, object, TState> reducer, ThunkSettings settings, ThunkDurability? durability, DurabilitySettings? fenced) =>
        Akka.Actor.Props.Create(() => new ThunkHost<TState>(initialState, reducer, settings, durability, fenced));

    protected override void PreStart()
    {
        if (_fenced is null)
        {
            StartChildren();
            return;
        }

        Common.Recovery.Begin(Context, this, Fencing);
        TryFence();
    }

    protected override void PostStop() => _fence?.Dispose();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IThunkCommand command when _handingOver:
                Sender.Tell(new ThunkCommandRejected(command, "The thunk coordinator is moving to another node of the cluster; send it again."));
                break;
            case IThunkCommand:
                _coordinator.Forward(message);
                break;
            case GetStoreState or SubscribeToStore:
                _store.Forward(message);
                break;
            case HandOverThunks:
                // This node leaves: the next coordinator resumes from the checkpoint, so have it stored first.
                _handingOver = true;
                _coordinator.Tell(ConfirmCheckpointSaved.Instance);
                Timers.StartSingleTimer(HandOverThunks.Instance, HandOverTimedOut.Instance, HandOverPatience);
                break;
            case CheckpointsSaved:
                Context.Stop(Self);
                break;
            case HandOverTimedOut:
                _log.Warning("The thunk coordinator's last checkpoint was not confirmed stored within {0}; handing over anyway", HandOverPatience);
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private bool Fencing(object message)
    {
        switch (message)
        {
            case FenceTaken taken:
                _fence = taken.Fence;
                StartChildren();
                Common.Recovery.End(Context, this);
                return true;
            case FenceBusy busy:
                JournalFence.RetryLater(busy, Timers, _log, ref _fenceWaitLogged, "thunk journal", "coordinator");
                return true;
            case FenceRetry:
                TryFence();
                return true;
            default:
                return false;
        }
    }

    private void TryFence() => JournalFence.TryTake(_fenced!, "thunks", Self);

    private void StartChildren()
    {
        _store = Context.ActorOf(StateStoreActor<TState>.Props(_initialState, _reducer, awaitRestore: _durability is not null), "store");
        _coordinator = Context.ActorOf(ThunkCoordinator.ForStateStore(_store, _settings, _durability), "coordinator");
    }

    private sealed record HandOverTimedOut
    {
        public static readonly HandOverTimedOut Instance = new();
    }
}

/// <summary>Sent to the thunk singleton when its node leaves: it stops once its last checkpoint is stored.</summary>
internal sealed record HandOverThunks
{
    public static readonly HandOverThunks Instance = new();
}

/// <summary>Asks the coordinator to answer <see cref="CheckpointsSaved"/> once its checkpoints so far are stored (at once when it is not durable).</summary>
internal sealed record ConfirmCheckpointSaved
{
    public static readonly ConfirmCheckpointSaved Instance = new();
}
