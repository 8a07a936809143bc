using System.Diagnostics;
using Actors.Durability;
using Akka.Actor;
using Akka.Event;

namespace Actors.Tasks;

/// <summary>
/// The task queue's journal on SQLite (a child of the queue, speaking <see cref="TaskJournal"/>'s protocol): writes the
/// queue's events itself, one row per entry in a file of its own (<see cref="SqliteTaskStore"/>), rather than through
/// Akka.Persistence. Each flush is one transaction that appends what arrived and deletes the rows of the finished tasks
/// that fell out of the kept window, so the journal always holds exactly what recovery needs: no snapshot to save, no
/// bulk delete to wait behind, and a restart reads the kept entries and nothing else.
/// </summary>
/// <remarks>
/// Group commit: the actor writes synchronously on the journal dispatcher (threads of its own); what arrives during a
/// write waits in the mailbox and goes out as the next one. A failed write stops the actor; the queue then fails and
/// restarts from what was committed, so what it acknowledged is exactly what recovery reproduces. On first start it
/// takes over the entries an older version kept in the Akka.Persistence journal, then deletes them there.
/// </remarks>
internal sealed class SqliteTaskJournal : UntypedActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>How often the WAL is checkpointed (off the write path) when something was written.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>How many chunks of rows recovery may read ahead of the one being sorted.</summary>
    private const int RecoveryChunksAhead = 16;

    private readonly DurabilitySettings _settings;
    private readonly int _keepFinished;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SqliteTaskStore? _store;

    /// <summary>Every kept task (unfinished, or among the last finished); finished ones oldest first.</summary>
    private readonly Dictionary<string, KeptTask> _kept = new(StringComparer.Ordinal);
    private readonly Queue<string> _finished = new();

    /// <summary>Rows of tasks dropped from the window, deleted with the next write.</summary>
    private readonly List<long> _deletes = [];
    private long _nextSequenceNr = 1;

    /// <summary>Entries received since the last flush, and the confirmations due once they are stored.</summary>
    private readonly List<IStored> _batch = [];
    private readonly List<object> _confirmations = [];
    private bool _flushScheduled;

    /// <summary>A checkpoint runs (on another thread and connection); and whether anything was written since the last began.</summary>
    private bool _checkpointing;
    private bool _writtenSinceCheckpoint;

    public SqliteTaskJournal(DurabilitySettings settings, int keepFinished)
    {
        _settings = settings;
        _keepFinished = keepFinished;
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private string File => SqliteTaskStore.FileBeside(_settings.ConnectionString);

    public static Props Props(DurabilitySettings settings, int keepFinished, ActorSystem system)
    {
        var props = Akka.Actor.Props.Create(() => new SqliteTaskJournal(settings, keepFinished));
        return system.Dispatchers.HasDispatcher(DurabilitySettings.JournalDispatcherId) ? props.WithDispatcher(DurabilitySettings.JournalDispatcherId) : props;
    }

    protected override void PreStart()
    {
        _store = SqliteTaskStore.Open(File, new ActorsJsonSerializer((ExtendedActorSystem)Context.System));
        Timers.StartPeriodicTimer(CheckpointDue.Instance, CheckpointDue.Instance, CheckpointInterval);
        if (_store.LegacyTakenOver)
        {
            Recover();
        }
        else if (!SqliteTaskStore.LegacyJournalHoldsTasks(Path.GetFullPath(_settings.ConnectionString), _settings.SqliteSnapshotFile))
        {
            _store.Write([], _nextSequenceNr, [], markLegacyTakenOver: true);
            Recover();
        }
        else
        {
            _log.Info("Taking over the task entries an older version kept in the Akka.Persistence journal");
            Context.Watch(Context.ActorOf(TaskJournal.Props(_settings.SnapshotInterval, _keepFinished), "legacy"));
            Become(TakingOver);
        }
    }

    protected override void PostStop() => _store?.Dispose();

    /// <summary>The legacy journal replays; its tasks are written here, marked as taken over in the same transaction, then deleted there.</summary>
    private void TakingOver(object message)
    {
        if (message is Terminated)
        {
            // It could not replay (its store failed): stopping fails the queue, which restarts with backoff and tries again.
            _log.Error("The Akka.Persistence task journal stopped before its entries could be taken over; the task queue restarts");
            Context.Stop(Self);
            return;
        }

        if (message is not TasksRecovered legacy)
        {
            Stash.Stash();
            return;
        }

        var entries = legacy.Tasks.SelectMany(task => task).ToList();
        _store!.Write(entries, _nextSequenceNr, [], markLegacyTakenOver: true);
        _log.Info("Took over {0} task entries of {1} tasks from the Akka.Persistence journal; deleting them there", entries.Count, legacy.Tasks.Count);
        Context.Unwatch(Sender);
        Sender.Tell(ForgetTaskEntries.Instance);
        Recover();
        Become(OnReceive);
        Stash.UnstashAll();
    }

    /// <summary>
    /// Reads every stored entry, drops the finished tasks beyond the window, and hands the queue the rest. One thread reads
    /// the rows, chunks of them are decoded on the thread pool (the JSON is most of the work, and a restart has both cores to
    /// itself), and this one sorts the decoded chunks by task, in order.
    /// </summary>
    private void Recover()
    {
        var started = Stopwatch.GetTimestamp();
        var tasks = new List<(string Id, KeptTask Task)>();
        long lastSequenceNr = 0;
        var store = _store!;
        using var stop = new CancellationTokenSource();
        using var chunks = new System.Collections.Concurrent.BlockingCollection<Task<(long SequenceNr, IStored Entry)[]>>(boundedCapacity: RecoveryChunksAhead);
        var reading = Task.Run(() =>
        {
            try
            {
                foreach (var chunk in store.ReadAll())
                {
                    chunks.Add(Task.Run(chunk.Decode), stop.Token);
                }
            }
            finally
            {
                chunks.CompleteAdding();
            }
        });

        try
        {
            foreach (var decoding in chunks.GetConsumingEnumerable())
            {
                foreach (var (sequenceNr, entry) in decoding.GetAwaiter().GetResult())
                {
                    lastSequenceNr = sequenceNr;
                    var id = TaskJournalCodec.TaskId(entry);
                    if (Keep(id, entry, sequenceNr) is not { } task)
                    {
                        _deletes.Add(sequenceNr);
                        continue;
                    }

                    if (!task.IsRecovering)
                    {
                        tasks.Add((id, task));
                    }

                    task.AddRecovered(entry);
                }
            }
        }
        finally
        {
            // A row that cannot be decoded ends recovery here: the reader must not wait for room that will never come.
            stop.Cancel();
        }

        reading.GetAwaiter().GetResult();
        _nextSequenceNr = lastSequenceNr + 1;
        if (_deletes.Count > 0)
        {
            _store!.Write([], _nextSequenceNr, _deletes);
            _deletes.Clear();
        }

        var kept = new List<IReadOnlyList<IStored>>(tasks.Count);
        foreach (var (id, task) in tasks)
        {
            if (_kept.ContainsKey(id))
            {
                kept.Add(task.Recovered);
            }

            task.ForgetRecovered();
        }

        _log.Info("Task journal recovered {0} tasks ({1} finished) from {2} in {3:F0} ms", kept.Count, _finished.Count, File,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Context.Parent.Tell(new TasksRecovered(kept));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WriteTaskEntries write:
                _batch.AddRange(write.Entries);
                _confirmations.AddRange(write.Confirmations ?? []);
                ScheduleFlush();
                break;
            case FlushEntries:
                Flush();
                break;
            case CheckpointDue when !_checkpointing && _writtenSinceCheckpoint:
                _checkpointing = true;
                _writtenSinceCheckpoint = false;
                var file = File;
                Task.Run(() => SqliteTaskStore.Checkpoint(file)).PipeTo(Self, success: () => CheckpointEnded.Instance, failure: e => new Status.Failure(e));
                break;
            case CheckpointDue:
                break;
            case CheckpointEnded:
                _checkpointing = false;
                break;
            case Status.Failure failed:
                // The WAL grows until a later checkpoint succeeds; nothing written is at risk.
                _checkpointing = false;
                _log.Warning("Task journal checkpoint failed (the next one retries): {0}", failed.Cause.Message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The flush is told to itself, so it comes after everything already in the mailbox: one transaction for all of it.</summary>
    private void ScheduleFlush()
    {
        if (!_flushScheduled)
        {
            _flushScheduled = true;
            Self.Tell(FlushEntries.Instance);
        }
    }

    private void Flush()
    {
        _flushScheduled = false;
        if (_batch.Count > 0)
        {
            var written = new List<IStored>(_batch.Count);
            foreach (var entry in _batch)
            {
                // An entry of a task that is not kept would be dropped by recovery anyway (its acceptance is gone).
                if (Keep(TaskJournalCodec.TaskId(entry), entry, _nextSequenceNr + written.Count) is not null)
                {
                    written.Add(entry);
                }
            }

            var writing = Stopwatch.GetTimestamp();
            try
            {
                _store!.Write(written, _nextSequenceNr, _deletes);
            }
            catch (Exception e)
            {
                _log.Error(e, "Task journal write of {0} entries failed; the task queue restarts from the journal", written.Count);
                Context.Stop(Self);
                return;
            }

            TaskMetrics.JournalWriteDuration.Record(Stopwatch.GetElapsedTime(writing).TotalSeconds);
            TaskMetrics.JournalBatchSize.Record(written.Count);
            _nextSequenceNr += written.Count;
            _writtenSinceCheckpoint = true;
            _deletes.Clear();
            _batch.Clear();
        }

        foreach (var confirmation in _confirmations)
        {
            Context.Parent.Tell(confirmation);
        }

        _confirmations.Clear();
    }

    /// <summary>
    /// Records that <paramref name="entry"/> of task <paramref name="id"/> is row <paramref name="sequenceNr"/>; false for an
    /// entry of a task not kept (null). Once a task ends it counts among the finished, and the rows of the oldest beyond the window
    /// are deleted, all of a task's rows in one transaction.
    /// </summary>
    private KeptTask? Keep(string id, IStored entry, long sequenceNr)
    {
        if (!_kept.TryGetValue(id, out var task))
        {
            if (entry is not TaskAcceptedV1)
            {
                return null;
            }

            _kept[id] = task = new KeptTask();
        }

        task.AddRow(sequenceNr);
        if (TaskJournalCodec.IsFinal(entry))
        {
            _finished.Enqueue(id);
            while (_finished.Count > _keepFinished)
            {
                if (_kept.Remove(_finished.Dequeue(), out var dropped))
                {
                    dropped.AddRowsTo(_deletes);
                }
            }

            Common.Collections.ShrinkAfterBacklog(_kept);
        }

        return task;
    }

    /// <summary>
    /// A kept task's rows; during recovery, also its decoded entries, in order, until they are handed to the queue. The first
    /// of each is held in a field: a waiting task has one row and one entry, and a list of each cost a waiting task's
    /// journal 120 bytes more (and a restart of 100,000 as many objects to copy as they aged).
    /// </summary>
    private sealed class KeptTask
    {
        private long _firstRow;
        private List<long>? _laterRows;
        private IStored? _firstRecovered;
        private List<IStored>? _laterRecovered;

        /// <summary>Whether recovery has given it an entry yet.</summary>
        public bool IsRecovering => _firstRecovered is not null;

        /// <summary>Its recovered entries, in order.</summary>
        public IReadOnlyList<IStored> Recovered => _laterRecovered is null ? [_firstRecovered!] : [_firstRecovered!, .. _laterRecovered];

        /// <summary>Row numbers start at 1, so 0 is none.</summary>
        public void AddRow(long sequenceNr)
        {
            if (_firstRow == 0)
            {
                _firstRow = sequenceNr;
            }
            else
            {
                (_laterRows ??= new List<long>(2)).Add(sequenceNr);
            }
        }

        public void AddRowsTo(List<long> rows)
        {
            rows.Add(_firstRow);
            rows.AddRange(_laterRows ?? []);
        }

        public void AddRecovered(IStored entry)
        {
            if (_firstRecovered is null)
            {
                _firstRecovered = entry;
            }
            else
            {
                (_laterRecovered ??= new List<IStored>(2)).Add(entry);
            }
        }

        public void ForgetRecovered() => (_firstRecovered, _laterRecovered) = (null, null);
    }
}

/// <summary>To itself: time to checkpoint the WAL; and that a checkpoint ended.</summary>
internal sealed record CheckpointDue
{
    public static readonly CheckpointDue Instance = new();
}

/// <inheritdoc cref="CheckpointDue"/>
internal sealed record CheckpointEnded
{
    public static readonly CheckpointEnded Instance = new();
}

/// <summary>To the legacy task journal once its entries are taken over: delete them all, then stop.</summary>
internal sealed record ForgetTaskEntries
{
    public static readonly ForgetTaskEntries Instance = new();
}
