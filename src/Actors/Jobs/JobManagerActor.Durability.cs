using System.Text.Json;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Jobs;

// Durability (opt-in, JobDurability): the running jobs' keys and last states are checkpointed; a new
// manager runs them again from there.
internal sealed partial class JobManagerActor<TState, TAction>
{
    private readonly JobDurability<TState, TAction>? _durability;
    private IActorRef? _journal;

    /// <summary>The keys and state versions of the last checkpoint, to skip unchanged ones.</summary>
    private string? _lastCheckpoint;

    /// <summary>The keys and state versions of the checkpoint known to be stored (null: not known).</summary>
    private string? _storedCheckpoint;

    private void StartJournal()
    {
        if (_durability is null)
        {
            return;
        }

        // A sharded kind keeps one stream per key, so that a key's job can move to another node on its own.
        var persistenceId = _entityKey is null ? $"actors-jobs-{_name}" : $"actors-jobs-{_name}/{_entityKey}";
        _journal = Context.ActorOf(CheckpointJournal.Props(persistenceId), "journal");
        Common.Recovery.Begin(Context, this, Recover);
    }

    private bool Recover(object message)
    {
        if (message is not CheckpointRecovered recovered)
        {
            return false;
        }

        if (recovered.Checkpoint is JobsCheckpointV1 { States.Count: > 0 } checkpoint)
        {
            RestoreJobs(checkpoint);
        }
        else
        {
            // Nothing (or no job) is stored: a checkpoint of no jobs need not be written again.
            _lastCheckpoint = _storedCheckpoint = string.Empty;
        }

        Timers.StartPeriodicTimer(CheckpointDue.Instance, CheckpointDue.Instance, _durability!.Interval);
        Common.Recovery.End(Context, this);
        if (_entityKey is not null)
        {
            // After the messages that waited for recovery (unstashed ahead of this): one of them may start the job.
            Self.Tell(JobEntityMessage.CheckIdle.Instance);
        }

        return true;
    }

    private void RestoreJobs(JobsCheckpointV1 checkpoint)
    {
        foreach (var (key, json) in checkpoint.States)
        {
            try
            {
                var state = json.Deserialize<TState>(JobDurability<TState, TAction>.Json)!;
                Start(key, _durability!.Restore(key, state), ActorRefs.Nobody);
            }
            catch (Exception e)
            {
                _log.Error(e, "Job manager {0} could not restore job {1} from its stored state", _name, key);
            }
        }

        if (_entityKey is null)
        {
            _log.Info("Job manager {0} restored {1} jobs", _name, _jobs.Count);
        }
        else
        {
            _log.Info("Job {0} of kind {1} restored on this node from its checkpoint", _entityKey, _name);
        }
    }

    /// <summary>Stores the running jobs' keys and states, if they changed since the last checkpoint (never during shutdown).</summary>
    private void Checkpoint()
    {
        if (_journal is null || _drainWaiters is not null)
        {
            return;
        }

        var signature = string.Join('|', _jobs.Select(j => $"{j.Key}@{j.Value.Current.Version}"));
        if (signature == _lastCheckpoint)
        {
            return;
        }

        _lastCheckpoint = signature;
        _journal.Tell(new JobsCheckpointV1(_jobs.ToDictionary(j => j.Key, j => JsonSerializer.SerializeToElement(j.Value.Current.State, JobDurability<TState, TAction>.Json))));
    }
}

/// <summary>Time to checkpoint the running jobs.</summary>
internal sealed record CheckpointDue
{
    public static readonly CheckpointDue Instance = new();
}
