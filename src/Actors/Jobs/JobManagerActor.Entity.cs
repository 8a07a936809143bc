using Actors.Durability;
using Akka;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Actors.Jobs;

// On a cluster, each key of a sharded kind is an entity of its own: this manager, running at most the one
// job of its key. It passivates once that job has ended (after its checkpoint of "no job" is stored, so a
// later entity of the key does not bring the old job back), and on a hand-off it checkpoints the latest
// state and stops the job, which its kind's create function starts again on the key's new node.
internal sealed partial class JobManagerActor<TState, TAction>
{
    /// <summary>The key this actor is the entity of; null for a node-local manager.</summary>
    private readonly string? _entityKey;

    /// <summary>Passivate was sent: the shard buffers this entity's messages until it has stopped.</summary>
    private bool _passivating;

    /// <summary>The shard moves to another node: the job stops once its latest state is stored.</summary>
    private bool _handingOff;

    /// <summary>The journal was asked to confirm that the last checkpoint is stored.</summary>
    private bool _confirming;

    /// <summary>The signature <see cref="_confirming"/> waits for.</summary>
    private string? _confirmingCheckpoint;

    /// <summary>The last confirmation said the checkpoint was not stored: wait for the next checkpoint round before asking again.</summary>
    private bool _storeFailed;

    /// <summary>Handles what only an entity receives; returns whether it took <paramref name="message"/> (else the manager's behaviour gets it).</summary>
    private bool ReceiveAsEntity(object message)
    {
        switch (message)
        {
            case IJobManagerCommand command when _passivating || _handingOff:
                // Commands already in this mailbox when the shard stopped delivering: hand them back to the region,
                // which buffers them until the key's entity runs again (here or on its new node).
                ClusterSharding.Get(Context.System).ShardRegion(JobSharding.TypeName(_name)).Forward(command);
                return true;
            case RunJob<TState, TAction> or RunJobAndDispatch<TState, TAction>:
                // Sent to the region as a message: a factory runs only where it was made, so a sharded kind takes data.
                var refused = message is RunJob<TState, TAction> ? "RunJob" : "RunJobAndDispatch";
                Sender.Tell(new JobRejected(((IJobManagerCommand)message).Key ?? string.Empty,
                    $"Job kind '{_name}' is sharded over the cluster: send RunJobFromState<{typeof(TState).Name}>(key, initialState) instead of {refused} with a factory (a factory cannot cross nodes)."));
                return true;
            case CheckpointsSaved saved:
                OnCheckpointsSaved(saved);
                return true;
            case CheckpointDue:
                _storeFailed = false;
                return false;
            case JobEntityMessage.HandOff:
                HandOff();
                return true;
            case Done when _handingOff:
                // Every job has stopped; the checkpoint taken before them stays the one to resume from.
                ConfirmCheckpoint();
                if (!_confirming)
                {
                    Context.Stop(Self);
                }

                return true;
            case JobEntityMessage.Stop:
                Context.Stop(Self);
                return true;
            case JobEntityMessage.CheckIdle:
                return true;
            default:
                return false;
        }
    }

    private void OnCheckpointsSaved(CheckpointsSaved saved)
    {
        _confirming = false;
        if (saved.Stored)
        {
            _storedCheckpoint = _confirmingCheckpoint;
        }
        else
        {
            _lastCheckpoint = null;
            _storeFailed = true;
        }

        if (_handingOff)
        {
            Context.Stop(Self);
        }
    }

    private void PassivateIfIdle()
    {
        if (_jobs.Count > 0 || _passivating || _handingOff || _storeFailed)
        {
            return;
        }

        if (_journal is not null)
        {
            Checkpoint();
            if (_storedCheckpoint != _lastCheckpoint || _lastCheckpoint is null)
            {
                ConfirmCheckpoint();
                return;
            }
        }

        _passivating = true;
        Context.Parent.Tell(new Passivate(JobEntityMessage.Stop.Instance));
    }

    private void HandOff()
    {
        _handingOff = true;
        Checkpoint();
        StopAll(Self);
    }

    private void ConfirmCheckpoint()
    {
        if (_journal is null || _confirming)
        {
            return;
        }

        _confirming = true;
        _confirmingCheckpoint = _lastCheckpoint;
        _journal.Tell(ConfirmWhenSaved.Instance);
    }
}

/// <summary>What the shard tells an entity of a sharded job kind (local to its node).</summary>
internal static class JobEntityMessage
{
    /// <summary>Stop after passivation: by then no job runs and no command is in hand.</summary>
    internal sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    /// <summary>Recovery is over: passivate unless a job runs (the check that follows every message does it).</summary>
    internal sealed record CheckIdle
    {
        public static readonly CheckIdle Instance = new();
    }

    /// <summary>The entity's shard moves to another node (a rebalance or this node leaving).</summary>
    internal sealed record HandOff
    {
        public static readonly HandOff Instance = new();
    }
}
