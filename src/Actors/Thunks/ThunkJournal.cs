using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Actors.Thunks;

/// <summary>
/// Keeps the coordinator's latest checkpoint as a snapshot (only the newest matters; older ones are
/// deleted). While one is being saved, newer ones replace each other, so a busy coordinator costs one
/// write at a time. On start it hands the coordinator the last checkpoint (or none).
/// </summary>
internal sealed class ThunkJournal : UntypedPersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ThunkCheckpointV1? _recovered;
    private ThunkCheckpointV1? _pending;
    private bool _saving;

    public override string PersistenceId => "actors-thunks";

    public static Props Props() => Akka.Actor.Props.Create(() => new ThunkJournal());

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ThunkCheckpointV1 checkpoint }:
                _recovered = checkpoint;
                break;
            case RecoveryCompleted:
                Context.Parent.Tell(new ThunksRecovered(_recovered));
                _recovered = null;
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ThunkCheckpointV1 checkpoint:
                _pending = checkpoint;
                SaveNext();
                break;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr, saved.Metadata.Timestamp.AddTicks(-1)));
                _saving = false;
                SaveNext();
                break;
            case SaveSnapshotFailure failed:
                _log.Warning("Could not save a thunk checkpoint ({0}); the next change tries again", failed.Cause.Message);
                _saving = false;
                SaveNext();
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void SaveNext()
    {
        if (_saving || _pending is null)
        {
            return;
        }

        _saving = true;
        SaveSnapshot(_pending);
        _pending = null;
    }
}

/// <summary>From the journal: the last checkpoint, or null when there is none.</summary>
internal sealed record ThunksRecovered(ThunkCheckpointV1? Checkpoint);
