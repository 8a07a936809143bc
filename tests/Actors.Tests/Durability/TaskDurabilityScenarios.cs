using System.Collections.Concurrent;
using System.Text.Json;
using Actors.Configuration;
using Actors.Durability;
using Actors.TestSupport;
using Actors.Orchestration;
using Actors.Tasks;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Tests.Durability;

/// <summary>
/// The task queue on a real journal, across restarts of the actor system. A "crash" stops the system
/// without CoordinatedShutdown's drain, so the journal holds exactly what was written, as after a kill -9
/// of the process. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class TaskDurabilityScenarios : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private DurabilitySettings _journal = null!;
    private readonly ConcurrentQueue<(int Input, int Attempt, string? Key, DateTimeOffset At)> _runs = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<int> _startsStoredAtBegin = new();

    public async Task InitializeAsync() => _journal = await CreateJournalAsync();

    /// <summary>A fresh, empty journal.</summary>
    protected abstract Task<DurabilitySettings> CreateJournalAsync();

    /// <summary>The manifests of the events stored so far, in order.</summary>
    protected abstract Task<List<string>> StoredManifestsAsync(DurabilitySettings journal);

    public Task DisposeAsync()
    {
        _release.TrySetResult();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task After_a_crash_waiting_tasks_wait_again_running_ones_run_again_and_finished_ones_keep_their_results()
    {
        string completedId, runningId;
        List<string> waitingIds;
        await using (var first = await StartAsync())
        {
            completedId = await SubmitAndWaitAsync(first.Queue, "echo", 1);
            runningId = Accepted(await first.Queue.SubmitAsync("gate", 2, idempotencyKey: "order-2"));
            await Until(() => _runs.Any(r => r.Input == 2));
            waitingIds = [];
            foreach (var (input, priority) in new[] { (3, 2), (4, 9), (5, 2) })
            {
                waitingIds.Add(Accepted(await first.Queue.SubmitAsync("gate", input, priority)));
            }
        }

        _release.SetResult();
        await using var second = await StartAsync();
        await Until(async () => (await second.Queue.ListAsync(TaskState.Completed)).Count == 5);

        var completed = await second.Queue.GetAsync(completedId);
        Assert.Equal(1, ((JsonElement)completed!.Result!).GetInt32());
        var rerun = _runs.Where(r => r.Input == 2).ToList();
        Assert.Equal([1, 2], rerun.Select(r => r.Attempt));
        Assert.All(rerun, r => Assert.Equal("order-2", r.Key));
        Assert.Equal([4, 3, 5], _runs.Where(r => r.Input > 2).Select(r => r.Input));
        Assert.Equal(2, (await second.Queue.GetAsync(runningId))!.Attempts);
        Assert.All(waitingIds, id => Assert.Equal(1, second.Queue.GetAsync(id).Result!.Attempts));
        var next = Accepted(await second.Queue.SubmitAsync("gate", 6));
        Assert.True(int.Parse(next["task-".Length..]) > int.Parse(waitingIds[^1]["task-".Length..]), $"{next} should follow {waitingIds[^1]}");

        // The key's input fingerprint comes back from the journal: the same input finds the task, another is a conflict.
        var again = Assert.IsType<SubmitCompleted>(await second.Queue.SubmitAsync("gate", 2, idempotencyKey: "order-2"));
        var conflict = Assert.IsType<SubmitRejected>(await second.Queue.SubmitAsync("gate", 99, idempotencyKey: "order-2"));
        Assert.Equal(runningId, again.Record.Id);
        Assert.Equal(SubmitRejection.IdempotencyConflict, conflict.Kind);
    }

    [Fact]
    public async Task After_a_crash_mid_flow_the_flow_should_complete_without_running_a_completed_node_again()
    {
        string flowId, firstTask;
        await using (var first = await StartAsync())
        {
            flowId = Assert.IsType<FlowAccepted>(await first.Flows.StartAsync(
                [new FlowNode("a", "echo", 1), new FlowNode("b", "gate", 2, ["a"]), new FlowNode("c", "echo", 3, ["b"])])).FlowId;
            await Until(() => _runs.Any(r => r.Input == 2));
            firstTask = (await first.Flows.GetAsync(flowId))!.Nodes[0].TaskId!;

            // The crash comes as soon as b's handler has begun: its start was stored before that, so b runs again as attempt 2.
        }

        _release.SetResult();
        await using var second = await StartAsync();
        var flow = await Until(async () => (await second.Flows.GetAsync(flowId))!, f => f.State == FlowState.Completed);

        Assert.Equal(firstTask, flow.Nodes[0].TaskId);
        Assert.Equal([1, 2, 2, 3], _runs.Select(r => r.Input));
        Assert.Equal([1, 2], _runs.Where(r => r.Input == 2).Select(r => r.Attempt));
        Assert.Equal("2", flow.Nodes[1].Result!.ToString());
    }

    [Fact]
    public async Task An_attempt_should_begin_only_once_its_start_is_stored()
    {
        await using var node = await StartAsync();

        for (var i = 1; i <= 5; i++)
        {
            await SubmitAndWaitAsync(node.Queue, "witness", i);
        }

        // Each handler read the journal as it began: its own start was there, and every start before it.
        Assert.Equal([1, 2, 3, 4, 5], _startsStoredAtBegin);
    }

    [Fact]
    public async Task An_attempt_cancelled_while_its_start_is_stored_should_end_cancelled_and_give_back_its_slot()
    {
        await using var node = await StartAsync();

        for (var i = 0; i < 20; i++)
        {
            // Cancelled right behind its submit (ids are numbered in submit order; each round submits two tasks): mostly while its
            // acceptance and its start (a slot is free) are on their way to the journal, so its handler never begins.
            var submitting = node.Queue.SubmitAsync("gate", 1000 + i);
            var cancelling = node.Queue.CancelAsync($"task-{2 * i + 1}");
            // Answered once it is stored, as what it is by then: accepted, or (mostly) already cancelled.
            var id = await submitting switch
            {
                SubmitAccepted accepted => accepted.TaskId,
                SubmitCompleted ended => ended.Record.Id,
                var other => throw new Xunit.Sdk.XunitException($"unexpected answer: {other}"),
            };
            Assert.Equal($"task-{2 * i + 1}", id);
            Assert.IsType<TaskCancelRequested>(await cancelling);

            // One slot in all: the next task runs only if the cancelled attempt gave its slot back.
            await SubmitAndWaitAsync(node.Queue, "echo", i);
            Assert.Equal(TaskState.Cancelled, (await node.Queue.GetAsync(id))!.Status);
        }

        // The cancel takes a round trip, the start's write a disk write: most cancels come while the start is stored.
        var begun = _runs.Count(r => r.Input >= 1000);
        Assert.True(begun < 20, "every cancelled attempt had begun: none was cancelled while its start was stored");
    }

    [Fact]
    public async Task Events_should_be_announced_in_order_once_the_acceptance_is_stored_though_the_start_is_written_with_it()
    {
        await using var node = await StartAsync();
        var events = new ConcurrentQueue<TaskEvent>();
        var recorder = node.System.ActorOf(Props.Create(() => new Tasks.TaskEventRecorder(events)));
        node.System.EventStream.Subscribe(recorder, typeof(TaskEvent));

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await SubmitAndWaitAsync(node.Queue, "echo", i));
        }

        // The start goes to the journal with the acceptance, before the acceptance is stored; no one hears of it before that.
        await Until(() => ids.All(id => events.Any(e => e.TaskId == id && e is TaskCompleted)));
        Assert.All(ids, id => Assert.Equal([typeof(TaskQueued), typeof(TaskStarted), typeof(TaskCompleted)],
            events.Where(e => e.TaskId == id).Select(e => e.GetType())));
    }

    [Fact]
    public async Task With_no_finished_records_kept_a_task_cancelled_while_it_is_stored_should_still_answer_its_submitter()
    {
        await using var node = await StartAsync(keepFinished: 0);
        var submitting = node.Queue.SubmitAsync("gate", 1);
        Assert.IsType<TaskCancelRequested>(await node.Queue.CancelAsync("task-1"));

        // Mostly cancelled before its acceptance was stored: it ends at once, yet its submitter is told once it is stored.
        var answer = await submitting;
        Assert.True(answer is SubmitAccepted or SubmitCompleted { Record.Status: TaskState.Cancelled }, $"answered {answer}");
    }

    [Fact]
    public async Task A_watcher_should_be_told_the_record_as_accepted_then_each_event_once()
    {
        await using var node = await StartAsync();
        var inbox = Inbox.Create(node.System);
        node.Queue.Queue.Tell(new SubmitTask("echo", 5, Watcher: inbox.Receiver), inbox.Receiver);

        // Started before its acceptance was stored (one write holds both): the watcher must not see a running record and then the start again.
        var told = new List<object>();
        while (told.LastOrDefault() is not TaskCompleted)
        {
            var message = await inbox.ReceiveAsync(Patience);
            if (message is TaskRecordReply or TaskEvent)
            {
                told.Add(message);
            }
        }

        var accepted = Assert.IsType<TaskRecordReply>(told[0]).Record!;
        Assert.Equal((TaskState.Waiting, 0), (accepted.Status, accepted.Attempts));
        Assert.Equal([typeof(TaskRecordReply), typeof(TaskStarted), typeof(TaskCompleted)], told.Select(m => m.GetType()));
    }

    [Fact]
    public async Task A_retry_in_backoff_should_run_at_its_due_time_after_a_restart()
    {
        DateTimeOffset dueAt;
        string id;
        await using (var first = await StartAsync())
        {
            id = Accepted(await first.Queue.SubmitAsync("flaky", 7));
            var waiting = await Until(async () => await first.Queue.GetAsync(id), r => r?.Status == TaskState.RetryWaiting);
            dueAt = waiting!.RetryAt!.Value;

            // Crash only once the failure (with its due time) is stored; before that, a crash re-runs the attempt at once.
            await Until(() => StoredManifestsAsync(_journal), m => m.Contains("task.failed.v1"));
        }

        await using var second = await StartAsync();
        var done = await Until(async () => await second.Queue.GetAsync(id), r => r?.Status == TaskState.Completed);

        Assert.Equal(2, done!.Attempts);
        var retried = _runs.Single(r => r.Input == 7 && r.Attempt == 2);
        Assert.True(retried.At >= dueAt - TimeSpan.FromMilliseconds(50), $"ran at {retried.At:O}, due at {dueAt:O}");
    }

    [Fact]
    public async Task Recovery_from_a_snapshot_and_the_events_after_it_should_rebuild_every_task()
    {
        // A snapshot every 5 events: 30 completed tasks (3 events each) and 10 waiting ones span several.
        _journal = _journal with { SnapshotInterval = 5 };
        var completed = new List<string>();
        List<string> waiting = [];
        await using (var first = await StartAsync())
        {
            for (var i = 0; i < 30; i++)
            {
                completed.Add(await SubmitAndWaitAsync(first.Queue, "echo", 100 + i));
            }

            await first.Queue.SubmitAsync("gate", 0);
            await Until(() => _runs.Any(r => r.Input == 0));
            for (var i = 1; i <= 10; i++)
            {
                waiting.Add(Accepted(await first.Queue.SubmitAsync("gate", 200 + i)));
            }

            await Until(() => StoredManifestsAsync(_journal), m => m.Count > 0);
        }

        _release.SetResult();
        await using var second = await StartAsync();
        await Until(async () => (await second.Queue.ListAsync(TaskState.Completed, limit: 100)).Count == 41);

        Assert.All(completed, id => Assert.Equal(TaskState.Completed, second.Queue.GetAsync(id).Result!.Status));
        Assert.Equal(Enumerable.Range(201, 10), _runs.Where(r => r.Input > 200).Select(r => r.Input));
        Assert.All(waiting, id => Assert.Equal(1, second.Queue.GetAsync(id).Result!.Attempts));
    }

    [Fact]
    public async Task The_journal_should_hold_no_CLR_type_names_and_use_the_registered_manifests()
    {
        await using var system = await StartAsync();
        await SubmitAndWaitAsync(system.Queue, "echo", 1);

        // The completion is written just after the submitter hears of it.
        string[] entries = ["task.accepted.v1", "task.completed.v1", "task.started.v1"];
        var manifests = await Until(() => StoredManifestsAsync(_journal), m => entries.All(m.Contains));

        // Entries written together share a row (task.entries.v1), whose entries are the same records.
        Assert.Empty(manifests.Except([.. entries, "task.entries.v1"]));
    }

    private async Task<string> SubmitAndWaitAsync(ITaskQueue queue, string type, int input) =>
        ((SubmitCompleted)await queue.SubmitAsync(type, input, wait: Patience)).Record.Id;

    private static string Accepted(SubmitResult result) => Assert.IsType<SubmitAccepted>(result).TaskId;

    private async Task<Node> StartAsync(int? keepFinished = null)
    {
        var persistence = _journal;
        // A crash is simulated by abandoning a system in this process; a dead process would hold no lock.
        var config = ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-actor-system-terminate = off\nakka.loglevel = INFO\nactors.durability.single-writer = off")
            .WithFallback(persistence.ToAkkaConfig())
            .WithFallback(ActorsConfig.Defaults);
        var system = ActorSystem.Create("durable", config);
        var oneAtATime = TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None);
        var settings = TaskQueueSettings.Create(system);
        var queue = TaskQueue.Start(system,
        [
            TaskDefinition.Create<int, int>("echo", (n, ctx) => Record(n, ctx, Task.FromResult(n)), oneAtATime),
            TaskDefinition.Create<int, int>("gate", async (n, ctx) => await Record(n, ctx, _release.Task.WaitAsync(ctx.CancellationToken).ContinueWith(_ => n, TaskScheduler.Default)), oneAtATime),
            TaskDefinition.Create<int, int>("flaky", (n, ctx) => Record(n, ctx, ctx.Attempt == 1 ? Task.FromException<int>(new RetryableTaskException("try later")) : Task.FromResult(n)),
                oneAtATime.WithRetry(new RetryPolicy(3, TimeSpan.FromSeconds(2), 1, TimeSpan.FromSeconds(2), 0))),
            TaskDefinition.Create<int, int>("witness", async (n, _) =>
            {
                _startsStoredAtBegin.Enqueue((await StoredManifestsAsync(persistence)).Count(manifest => manifest == "task.started.v1"));
                return n;
            }, oneAtATime),
        ], settings with { GlobalConcurrency = 1, KeepFinished = keepFinished ?? settings.KeepFinished }, persistence);
        return new Node(system, queue, Flows.Start(system, queue, persistence));
    }

    private Task<int> Record(int input, ITaskContext context, Task<int> result)
    {
        _runs.Enqueue((input, context.Attempt, context.IdempotencyKey, DateTimeOffset.UtcNow));
        return result;
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()), holds => holds);

    private static Task Until(Func<Task<bool>> condition) => Until(condition, holds => holds);

    /// <summary>
    /// Re-reads observable state (the queue's records, the journal table) until it satisfies the condition,
    /// as AwaitAssert does, for at most 30 s; these systems are not the TestKit's, so its AwaitAssert cannot be used.
    /// </summary>
    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        var pollInterval = TimeSpan.FromMilliseconds(10);
        var deadline = DateTime.UtcNow + Patience;
        var value = await read();
        while (!condition(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(pollInterval);
            value = await read();
        }

        Assert.True(condition(value), $"the condition did not hold within 30 s: {value}");
        return value;
    }

    /// <summary>One run of the actor system; disposing it stops the system without draining, as a crash would.</summary>
    private sealed record Node(ActorSystem System, ITaskQueue Queue, IFlowRunner Flows) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await System.Terminate();
    }
}

public sealed class SqliteTaskDurabilitySpecs : TaskDurabilityScenarios
{
    protected override Task<DurabilitySettings> CreateJournalAsync() =>
        Task.FromResult(new DurabilitySettings(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-journal-").FullName, "journal.db"), 10_000));

    protected override async Task<List<string>> StoredManifestsAsync(DurabilitySettings journal)
    {
        // The task journal on SQLite is a file of its own beside the journal (SqliteTaskStore), one row per entry.
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={SqliteTaskStore.FileBeside(journal.ConnectionString)};Mode=ReadOnly");
        return await Journals.ManifestsAsync(connection, "task_entries");
    }
}

public sealed class PostgreSqlTaskDurabilitySpecs(PostgresServer server) : TaskDurabilityScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<DurabilitySettings> CreateJournalAsync() => new(DurabilityProvider.PostgreSql, await server.NewDatabaseAsync(), 10_000);

    protected override async Task<List<string>> StoredManifestsAsync(DurabilitySettings journal)
    {
        await using var connection = new Npgsql.NpgsqlConnection(journal.ConnectionString);
        return await Journals.ManifestsAsync(connection, "public.event_journal");
    }
}

/// <summary>Reads what a journal table holds.</summary>
internal static class Journals
{
    /// <summary>How long an actor may take to answer when its answer waits for the journal's first use (its plugin starting).</summary>
    public static readonly TimeSpan FirstUse = TimeSpan.FromSeconds(30);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PostgresServer, DurabilitySettings> Databases = new();

    /// <summary>
    /// A database of its own for each test class (each gets its own server fixture): a TestKit needs its
    /// configuration in its constructor, before any async setup.
    /// </summary>
    public static DurabilitySettings PostgreSqlFor(PostgresServer server) =>
        Databases.GetValue(server, s => new DurabilitySettings(DurabilityProvider.PostgreSql, s.NewDatabaseAsync().GetAwaiter().GetResult(), 10_000));

    /// <summary>
    /// A TestKit system's configuration with <paramref name="journal"/> and the library defaults. Without the
    /// single-writer lock: these scenarios simulate a crash by starting a second system beside an abandoned one,
    /// whose process in real life would be dead and hold no lock (SingleWriterSpecs test the lock).
    /// </summary>
    public static Akka.Configuration.Config SystemConfig(DurabilitySettings journal) =>
        ConfigurationFactory.ParseString("akka.loglevel = INFO\nactors.durability.single-writer = off").WithFallback(journal.ToAkkaConfig()).WithFallback(ActorsConfig.Defaults);

    /// <summary>
    /// The manifest of every row in <paramref name="table"/>, in the order read; a row of several task entries
    /// (<c>task.entries.v1</c>) adds the manifest each of its entries would have on its own, read from its JSON.
    /// </summary>
    public static async Task<List<string>> ManifestsAsync(System.Data.Common.DbConnection connection, string table)
    {
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT manifest, payload FROM {table}";
        var manifests = new List<string>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var manifest = reader.GetString(0);
                manifests.Add(manifest);
                if (manifest == "task.entries.v1")
                {
                    using var row = System.Text.Json.JsonDocument.Parse(reader.GetFieldValue<byte[]>(1));
                    foreach (var entry in row.RootElement.GetProperty("Entries").EnumerateArray())
                    {
                        var kind = Assert.Single(entry.EnumerateObject()).Name;
                        manifests.Add($"task.{kind.ToLowerInvariant()}.v1");
                    }
                }
            }
        }
        catch (System.Data.Common.DbException)
        {
            // The table is created with the first write.
        }

        return [.. manifests];
    }
}
