using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Actors.Durability;

/// <summary>
/// Keeps its parent's latest checkpoint as a snapshot (only the newest matters; older ones are deleted).
/// While one is being saved, newer ones replace each other, so a busy parent costs one write at a time.
/// On start it hands the parent the last checkpoint (or none) in <see cref="CheckpointRecovered"/>.
/// </summary>
/// <param name="persistenceId">The stream.</param>
/// <param name="reportSaves">Tell the parent <see cref="CheckpointStored"/> after each save, <see cref="CheckpointNotStored"/> after a failed one
/// (for a parent that shows what is stored, or sends its next checkpoint only once the last is through).</param>
internal sealed class CheckpointJournal(string persistenceId, bool reportSaves = false) : UntypedPersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IStored? _recovered;
    private IStored? _pending;
    private bool _saving;

    /// <summary>Who waits for every checkpoint sent so far to be stored; usually empty.</summary>
    private List<IActorRef>? _flushWaiters;

    /// <summary>Whether the newest save failed (so the stored checkpoint is older than the last one sent).</summary>
    private bool _lastSaveFailed;

    public override string PersistenceId { get; } = persistenceId;

    /// <summary>The newest checkpoint being saved (reported to the parent when <c>reportSaves</c>).</summary>
    private IStored? _inFlight;

    public static Props Props(string persistenceId, bool reportSaves = false) => Akka.Actor.Props.Create(() => new CheckpointJournal(persistenceId, reportSaves));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: IStored checkpoint }:
                _recovered = checkpoint;
                break;
            case RecoveryCompleted:
                Context.Parent.Tell(new CheckpointRecovered(_recovered));
                _recovered = null;
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case IStored checkpoint:
                _pending = checkpoint;
                SaveNext();
                break;
            case ConfirmWhenSaved:
                (_flushWaiters ??= new List<IActorRef>(1)).Add(Sender);
                SaveNext();
                break;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr, saved.Metadata.Timestamp.AddTicks(-1)));
                _saving = false;
                _lastSaveFailed = false;
                if (reportSaves && _inFlight is not null)
                {
                    Context.Parent.Tell(new CheckpointStored(_inFlight));
                }

                SaveNext();
                break;
            case SaveSnapshotFailure failed:
                _log.Warning("Could not save a checkpoint of {0} ({1}); the next change tries again", PersistenceId, failed.Cause.Message);
                _saving = false;
                _lastSaveFailed = true;
                if (reportSaves)
                {
                    Context.Parent.Tell(CheckpointNotStored.Instance);
                }

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
        if (_saving)
        {
            return;
        }

        if (_pending is null)
        {
            ConfirmSaved();
            return;
        }

        _saving = true;
        SaveSnapshot(_pending);
        _inFlight = _pending;
        _pending = null;
    }

    private void ConfirmSaved()
    {
        if (_flushWaiters is null)
        {
            return;
        }

        foreach (var waiter in _flushWaiters)
        {
            waiter.Tell(_lastSaveFailed ? CheckpointsSaved.NotAll : CheckpointsSaved.All);
        }

        _flushWaiters = null;
    }
}

/// <summary>Asks the journal to answer <see cref="CheckpointsSaved"/> once every checkpoint sent before it has been saved, or the newest save failed.</summary>
internal sealed record ConfirmWhenSaved
{
    public static readonly ConfirmWhenSaved Instance = new();
}

/// <summary>The answer to <see cref="ConfirmWhenSaved"/>.</summary>
/// <param name="Stored">False when the newest save failed: the stored checkpoint is an older one.</param>
internal sealed record CheckpointsSaved(bool Stored)
{
    public static readonly CheckpointsSaved All = new(true);

    public static readonly CheckpointsSaved NotAll = new(false);
}

/// <summary>From a journal that reports saves: this checkpoint is stored.</summary>
internal sealed record CheckpointStored(IStored Checkpoint);

/// <summary>From a journal that reports saves: the newest save failed.</summary>
internal sealed record CheckpointNotStored
{
    public static readonly CheckpointNotStored Instance = new();
}

/// <summary>From the journal: the last checkpoint, or null when there is none.</summary>
internal sealed record CheckpointRecovered(IStored? Checkpoint);
