using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Actors.Tasks;

/// <summary>
/// The task queue's journal (a child of the queue): writes the queue's events, tells the queue once the
/// entries it asked to be confirmed are durable, and on start replays what it kept and hands the queue
/// every task's entries. It keeps the entries of unfinished tasks and of the last finished ones, saves
/// them as a snapshot every <c>snapshot-interval</c> events and then deletes the events before it, so
/// recovery reads at most one snapshot and one interval of events.
/// </summary>
/// <remarks>
/// Group commit: entries that arrive together go out as one <c>PersistAllAsync</c> of rows of up to
/// <see cref="EntriesPerRow"/> entries each (<see cref="TaskEntriesV1"/>); the actor keeps taking entries while
/// earlier ones are written, and Akka.Persistence.Sql groups waiting writes into shared round trips.
/// A failed write stops this actor (Akka.Persistence's rule); the queue then fails and restarts from the
/// journal, so what it acknowledged is exactly what recovery reproduces.
/// </remarks>
internal sealed class TaskJournal : UntypedPersistentActor
{
    public const string Id = "actors-tasks";

    /// <summary>At most this many entries share a row: enough that a row's fixed cost vanishes, few enough that a row stays small (a few hundred KB).</summary>
    internal const int EntriesPerRow = 500;

    private readonly int _snapshotInterval;
    private readonly int _keepFinished;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Kept entries by task, in order; tasks in the order they were accepted.</summary>
    private readonly Dictionary<string, List<Durability.IStored>> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _finished = new();
    private long _sinceSnapshot;

    /// <summary>Entries handed to the journal and not yet written; a snapshot waits until none is.</summary>
    private int _inFlight;

    /// <summary>Entries kept (what a snapshot holds): a snapshot costs this much, so it is taken no more often than once per as many events.</summary>
    private int _keptEntries;

    /// <summary>A snapshot is being saved: the next waits for it (each holds every kept entry, so queued ones would pile up in memory).</summary>
    private bool _snapshotSaving;

    /// <summary>Deletions still to be answered after <see cref="ForgetTaskEntries"/>; at none left the actor stops.</summary>
    private int _forgetting;

    /// <summary>Entries received since the last flush, and the confirmations due once the first N of them are stored.</summary>
    private readonly List<Durability.IStored> _batch = [];
    private readonly List<(int After, object Confirmation)> _confirmations = [];
    private bool _flushScheduled;

    /// <summary>A flush's rows are being written: what arrives meanwhile waits, and goes out as one write once they are stored.</summary>
    private bool _writing;

    public TaskJournal(int snapshotInterval, int keepFinished)
    {
        _snapshotInterval = snapshotInterval;
        _keepFinished = keepFinished;
    }

    public override string PersistenceId => Id;

    public static Props Props(int snapshotInterval, int keepFinished) => Akka.Actor.Props.Create(() => new TaskJournal(snapshotInterval, keepFinished));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: TaskJournalSnapshotV1 snapshot }:
                _entries.Clear();
                _finished.Clear();
                _keptEntries = 0;
                foreach (var entry in snapshot.Entries)
                {
                    Keep(entry.Entry);
                }

                break;
            case Durability.IStored row:
                _sinceSnapshot += KeepRow(row);
                break;
            case RecoveryCompleted:
                _log.Info("Task journal recovered {0} tasks ({1} finished) up to event {2}", _entries.Count, _finished.Count, LastSequenceNr);
                Context.Parent.Tell(new TasksRecovered(_entries.Values.Select(e => (IReadOnlyList<Durability.IStored>)e).ToList()));
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case WriteTaskEntries write:
                _batch.AddRange(write.Entries);
                Confirm(write.Confirmations);
                break;
            case FlushEntries:
                Flush();
                break;
            case SaveSnapshotSuccess saved:
                _snapshotSaving = false;
                DeleteMessages(saved.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _snapshotSaving = false;
                _log.Warning("Could not save a task journal snapshot (recovery will replay more events): {0}", failed.Cause.Message);
                break;
            case ForgetTaskEntries:
                // Taken over by the SQLite task journal: what is kept here would only be read again at every start.
                _forgetting = 2;
                DeleteMessages(LastSequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
                break;
            case DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure when _forgetting > 0:
                if (message is DeleteMessagesFailure or DeleteSnapshotsFailure)
                {
                    _log.Warning("Could not delete the task entries taken over from the Akka.Persistence journal (they are not read again): {0}", message);
                }

                if (--_forgetting == 0)
                {
                    Context.Stop(Self);
                }

                break;
            case DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Gathers what arrives until the flush (told to itself, so it comes after everything already in the
    /// mailbox, and only once the previous write is stored): one write for all of it. Each of <paramref name="confirmations"/>
    /// is due once the entries before it are stored.
    /// </summary>
    private void Confirm(IReadOnlyList<object>? confirmations)
    {
        foreach (var confirmation in confirmations ?? [])
        {
            _confirmations.Add((_batch.Count, confirmation));
        }

        ScheduleFlush();
    }

    private void ScheduleFlush()
    {
        if (!_flushScheduled && !_writing)
        {
            _flushScheduled = true;
            Self.Tell(FlushEntries.Instance);
        }
    }

    private void Flush()
    {
        _flushScheduled = false;
        var confirmations = _confirmations.ToArray();
        var entries = _batch.ToArray();
        _confirmations.Clear();
        _batch.Clear();
        var next = 0;
        for (; next < confirmations.Length && confirmations[next].After == 0; next++)
        {
            // Due after every earlier write: DeferAsync runs after the handlers of everything persisted before it.
            DeferAsync(confirmations[next].Confirmation, confirmation => Context.Parent.Tell(confirmation));
        }

        if (entries.Length == 0)
        {
            return;
        }

        var stored = 0;
        _writing = true;
        _inFlight += entries.Length;
        var writing = System.Diagnostics.Stopwatch.GetTimestamp();
        PersistAllAsync(Rows(entries), row =>
        {
            var count = KeepRow(row);
            _inFlight -= count;
            _sinceSnapshot += count;
            stored += count;
            if (stored == entries.Length)
            {
                TaskMetrics.JournalWriteDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(writing).TotalSeconds);
                TaskMetrics.JournalBatchSize.Record(entries.Length);
                _writing = false;
                if (_batch.Count > 0 || _confirmations.Count > 0)
                {
                    ScheduleFlush();
                }
            }

            for (; next < confirmations.Length && confirmations[next].After <= stored; next++)
            {
                Context.Parent.Tell(confirmations[next].Confirmation);
            }

            // Only with nothing in flight does the snapshot hold exactly the events up to LastSequenceNr. Waiting
            // for at least as many events as it holds keeps its cost per event constant however long the backlog.
            if (_inFlight == 0 && !_snapshotSaving && _sinceSnapshot >= Math.Max(_snapshotInterval, _keptEntries))
            {
                _sinceSnapshot = 0;
                _snapshotSaving = true;
                SaveSnapshot(new TaskJournalSnapshotV1(_entries.Values.SelectMany(e => e).Select(TaskEntryV1.Of).ToList()));
            }
        });
    }

    /// <summary>The rows a flush is written as: a lone entry as itself, more in rows of up to <see cref="EntriesPerRow"/>.</summary>
    private static IEnumerable<Durability.IStored> Rows(Durability.IStored[] entries)
    {
        if (entries.Length == 1)
        {
            yield return entries[0];
            yield break;
        }

        foreach (var chunk in entries.Chunk(EntriesPerRow))
        {
            yield return chunk.Length == 1 ? chunk[0] : new TaskEntriesV1(Array.ConvertAll(chunk, TaskEntryV1.Of));
        }
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Task journal write {0} failed; the task queue restarts from the journal", sequenceNr);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "The journal rejected task entry {0}; the task queue restarts from the journal", sequenceNr);
        Context.Stop(Self);
    }

    /// <summary>Keeps the entries of a row (one, or a <see cref="TaskEntriesV1"/>'s); returns how many.</summary>
    private int KeepRow(Durability.IStored row)
    {
        if (row is not TaskEntriesV1 many)
        {
            Keep(row);
            return 1;
        }

        foreach (var entry in many.Entries)
        {
            Keep(entry.Entry);
        }

        return many.Entries.Count;
    }

    /// <summary>Keeps an entry; once a task ends it counts among the finished, the oldest of which are dropped.</summary>
    private void Keep(Durability.IStored entry)
    {
        var taskId = TaskJournalCodec.TaskId(entry);
        if (!_entries.TryGetValue(taskId, out var entries))
        {
            if (entry is not TaskAcceptedV1)
            {
                return;
            }

            _entries[taskId] = entries = [];
        }

        entries.Add(entry);
        _keptEntries++;
        if (TaskJournalCodec.IsFinal(entry))
        {
            _finished.Enqueue(taskId);
            while (_finished.Count > _keepFinished)
            {
                if (_entries.Remove(_finished.Dequeue(), out var dropped))
                {
                    _keptEntries -= dropped.Count;
                }
            }

            Common.Collections.ShrinkAfterBacklog(_entries);
        }
    }
}

/// <summary>
/// To the journal: write these entries (all that one message of the queue produced, so they are stored together), then tell
/// the queue each of <paramref name="Confirmations"/>, in order, once they and every entry sent before are durable.
/// </summary>
internal sealed record WriteTaskEntries(IReadOnlyList<Durability.IStored> Entries, IReadOnlyList<object>? Confirmations = null);

/// <summary>To itself: write what has been gathered.</summary>
internal sealed record FlushEntries
{
    public static readonly FlushEntries Instance = new();
}

/// <summary>From the journal after recovery: each kept task's entries, in order.</summary>
internal sealed record TasksRecovered(IReadOnlyList<IReadOnlyList<Durability.IStored>> Tasks);
