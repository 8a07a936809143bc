using Actors.Durability;
using Actors.Tasks;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace Actors.Tests.Durability;

/// <summary>
/// The task journal on SQLite, a file of its own with a row per entry: it deletes what falls out of the kept window as it
/// goes, and takes over (then deletes) the task entries an older version kept in the Akka.Persistence journal.
/// </summary>
public sealed class SqliteTaskJournalSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly DurabilitySettings _journal;

    public SqliteTaskJournalSpecs() : this(new DurabilitySettings(DurabilityProvider.Sqlite,
        Path.Combine(Directory.CreateTempSubdirectory("actors-task-journal-").FullName, "journal.db"), 10_000))
    {
    }

    private SqliteTaskJournalSpecs(DurabilitySettings journal) : base(Journals.SystemConfig(journal)) => _journal = journal;

    private static readonly TaskDefinition Echo = TaskDefinition.Create<int, int>("echo", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(4));

    [Fact]
    public async Task Rows_of_finished_tasks_beyond_the_kept_window_should_be_deleted_as_the_queue_goes()
    {
        const int keep = 5;
        var queue = TaskQueue.Start(Sys, [Echo], TaskQueueSettings.Create(Sys) with { KeepFinished = keep }, _journal);
        for (var i = 0; i < 60; i++)
        {
            Assert.IsNotType<SubmitRejected>(await queue.SubmitAsync("echo", i, wait: TimeSpan.Zero));
        }

        await AwaitAssertAsync(async () => Assert.Equal(keep, (await queue.ListAsync(TaskState.Completed)).Count), Journals.FirstUse);
        // Each finished task is three rows (accepted, started, completed); the last write may still hold one task's delete.
        await AwaitAssertAsync(() => Assert.InRange(StoredTaskIds().Count, keep, keep + 1), Journals.FirstUse);
        Assert.All(StoredTaskIds(), id => Assert.True(int.Parse(id["task-".Length..]) > 60 - keep - 1, $"{id} should have been deleted"));
    }

    [Fact]
    public async Task The_WAL_should_be_copied_into_the_file_in_the_background_while_the_queue_runs()
    {
        // The writer never checkpoints inside a commit; without the journal's own checkpoints the file would stay empty (a
        // few pages) and the WAL would take every write until the last connection closes.
        var queue = TaskQueue.Start(Sys, [Echo], TaskQueueSettings.Create(Sys), _journal);
        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => queue.SubmitAsync("echo", i, wait: TimeSpan.Zero)));
        var file = new FileInfo(SqliteTaskStore.FileBeside(_journal.ConnectionString));
        await AwaitAssertAsync(() =>
        {
            file.Refresh();
            Assert.True(file.Length > 200_000, $"the file holds {file.Length} bytes: the WAL was not checkpointed");
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Tasks_an_older_version_kept_in_the_Akka_Persistence_journal_should_be_taken_over_and_deleted_there()
    {
        // What an older version wrote: the task journal as Akka.Persistence events (a waiting task and a finished one).
        var at = DateTimeOffset.UtcNow;
        var legacy = ChildActorOf(TaskJournal.Props(10_000, 100));
        ExpectMsg<TasksRecovered>(Journals.FirstUse);
        legacy.Tell(new WriteTaskEntries(
        [
            TaskJournalCodec.Encode(new TaskQueued("task-7", "echo", 5, TimeSpan.FromSeconds(1), null, at), 7, typeof(int))!,
            TaskJournalCodec.Encode(new TaskQueued("task-8", "echo", 5, TimeSpan.FromSeconds(1), null, at), 8, typeof(int))!,
            TaskJournalCodec.Encode(new TaskStarted("task-8", "echo", 1, at))!,
            TaskJournalCodec.Encode(new TaskCompleted("task-8", "echo", 80, TimeSpan.FromMilliseconds(1), at))!,
        ], ["stored"]));
        ExpectMsg("stored", Journals.FirstUse);
        Watch(legacy);
        Sys.Stop(legacy);
        ExpectTerminated(legacy);
        Assert.True(SqliteTaskStore.LegacyJournalHoldsTasks(_journal.ConnectionString, _journal.SqliteSnapshotFile));

        var queue = TaskQueue.Start(Sys, [Echo], TaskQueueSettings.Create(Sys), _journal);

        // The waiting task runs (its input came across), the finished one keeps its result, and numbering goes on after them.
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Completed, (await queue.GetAsync("task-7"))?.Status), Journals.FirstUse);
        Assert.Equal(7, (await queue.GetAsync("task-7"))!.Result);
        Assert.Equal(80, ((System.Text.Json.JsonElement)(await queue.GetAsync("task-8"))!.Result!).GetInt32());
        var next = Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("echo", 9, wait: TimeSpan.Zero));
        Assert.Equal("task-9", next.TaskId);
        Assert.Contains("task-7", StoredTaskIds());
        await AwaitAssertAsync(() => Assert.False(SqliteTaskStore.LegacyJournalHoldsTasks(_journal.ConnectionString, _journal.SqliteSnapshotFile)), Journals.FirstUse);
    }

    [Fact]
    public void Inputs_of_every_JSON_kind_should_come_back_as_written_in_order_with_the_fingerprints_they_had()
    {
        // More rows than one read chunk holds, and an input larger than a whole chunk among them.
        object?[] kinds =
        [
            42, -1.5e-7, "quoted \"text\", a tab\t and é", true, false, null, new[] { 1, 2, 3 },
            new Dictionary<string, object?> { ["name"] = "<b>&", ["nested"] = new[] { new { deep = "ü" } } }, new string('x', 100_000),
        ];
        var inputs = Enumerable.Range(0, 1_500).Select(i => kinds[i % kinds.Length]).ToList();
        var at = DateTimeOffset.UtcNow;
        var written = inputs.Select((input, i) =>
            TaskJournalCodec.Encode(new TaskQueued($"task-{i + 1}", "echo", 5, TimeSpan.FromSeconds(1), $"key-{i}", at), input, input?.GetType() ?? typeof(object))!).ToList();

        var first = ChildActorOf(SqliteTaskJournal.Props(_journal, 100, Sys));
        Assert.Empty(ExpectMsg<TasksRecovered>(Journals.FirstUse).Tasks);
        first.Tell(new WriteTaskEntries(written, ["stored"]));
        ExpectMsg("stored", Journals.FirstUse);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        ChildActorOf(SqliteTaskJournal.Props(_journal, 100, Sys));
        var recovered = ExpectMsg<TasksRecovered>(Journals.FirstUse).Tasks.Select(task => Assert.IsType<TaskAcceptedV1>(Assert.Single(task))).ToList();

        Assert.Equal(written.Select(TaskJournalCodec.TaskId), recovered.Select(entry => entry.Id));
        for (var i = 0; i < inputs.Count; i++)
        {
            var (stored, back) = ((TaskAcceptedV1)written[i], recovered[i]);
            Assert.Equal(stored.Input?.ToString(), back.Input?.ToString());
            Assert.Equal(TaskJournalCodec.Fingerprint(inputs[i], inputs[i]?.GetType() ?? typeof(object)), TaskJournalCodec.Fingerprint(back.Input));
        }

        Assert.Equal(inputs[2], TaskJournalCodec.Input(recovered[2], typeof(string)));
        Assert.Equal(inputs[8], TaskJournalCodec.Input(recovered[8], typeof(string)));
    }

    /// <summary>The tasks whose rows the journal file holds now.</summary>
    private HashSet<string> StoredTaskIds()
    {
        using var connection = new SqliteConnection($"Data Source={SqliteTaskStore.FileBeside(_journal.ConnectionString)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM task_entries";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>();
        while (reader.Read())
        {
            using var entry = System.Text.Json.JsonDocument.Parse(reader.GetFieldValue<byte[]>(0));
            ids.Add(entry.RootElement.GetProperty("Id").GetString()!);
        }

        return ids;
    }
}
