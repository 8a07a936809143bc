using System.Collections.Concurrent;
using System.Collections.Immutable;
using Actors.Configuration;
using Actors.Durability;
using Actors.TestSupport;
using Actors.Tasks;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace Actors.Tests.Durability;

/// <summary>
/// The task journal (SQLite, PostgreSQL) with writes failing: the queue refuses (or never answers) the submits it could not
/// store and restarts from its journal; every submit it acknowledged is there after a restart.
/// </summary>
public abstract class JournalFaultScenarios : IAsyncLifetime
{
    private const int Submits = 3_000;
    private DurabilitySettings _journal = null!;

    public async Task InitializeAsync() => _journal = await CreateJournalAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A fresh, empty journal.</summary>
    protected abstract Task<DurabilitySettings> CreateJournalAsync();

    /// <summary>Makes the journal's writes fail from now on (<paramref name="faulty"/>) or no longer; what a system started after it needs in its configuration.</summary>
    protected abstract Task<Config> InjectFaultsAsync(DurabilitySettings journal, bool faulty);

    [Fact]
    public async Task No_acknowledged_submit_should_be_missing_after_recovery_when_writes_fail()
    {
        var acknowledged = new ConcurrentBag<string>();
        var refused = 0;
        var failedWrites = 0;
        var system = await StartAsync(faulty: true);
        try
        {
            var counter = system.ActorOf(Props.Create(() => new FailedWriteCounter(() => Interlocked.Increment(ref failedWrites))));
            system.EventStream.Subscribe(counter, typeof(Akka.Event.Error));
            var queue = StartQueue(system, _journal);
            await Parallel.ForEachAsync(Enumerable.Range(0, Submits), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            {
                try
                {
                    switch (await queue.SubmitAsync("parked", i))
                    {
                        case SubmitAccepted accepted:
                            acknowledged.Add(accepted.TaskId);
                            break;
                        case SubmitRejected { Kind: SubmitRejection.StorageFailed }:
                            Interlocked.Increment(ref refused);
                            break;
                    }
                }
                catch (AskTimeoutException)
                {
                    // Sent while the queue was restarting: never acknowledged.
                    Interlocked.Increment(ref refused);
                }
            });
        }
        finally
        {
            await system.Terminate();
        }

        Assert.True(Volatile.Read(ref failedWrites) > 0, "no write failed: the fault injection did not happen");
        Assert.True(refused > 0, "no submit was refused although writes failed");

        var again = await StartAsync(faulty: false);
        try
        {
            var records = await ListOnceRecoveredAsync(StartQueue(again, _journal));
            var recovered = records.Select(r => r.Id).ToHashSet();
            Assert.All(acknowledged, id => Assert.Contains(id, recovered));
        }
        finally
        {
            await again.Terminate();
        }
    }

    /// <summary>Lists every task once the queue answers: it stashes questions while it recovers, which may outlast one ask on a loaded machine.</summary>
    private static async Task<IReadOnlyList<TaskRecord>> ListOnceRecoveredAsync(ITaskQueue queue)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await queue.ListAsync(limit: Submits * 2);
            }
            catch (AskTimeoutException) when (attempt < 15)
            {
                // still recovering: ask again
            }
        }
    }

    private async Task<ActorSystem> StartAsync(bool faulty)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            akka.loglevel = WARNING
            # (a crash is simulated by abandoning a system in this process; a dead process holds no lock)
            actors.durability.single-writer = off
            """).WithFallback(await InjectFaultsAsync(_journal, faulty)).WithFallback(_journal.ToAkkaConfig()).WithFallback(ActorsConfig.Defaults);
        return ActorSystem.Create("faults", config);
    }

    /// <summary>Counts the errors the task journal logs for a failed write (each makes the queue restart).</summary>
    private sealed class FailedWriteCounter : ReceiveActor
    {
        public FailedWriteCounter(Action failed) =>
            Receive<Akka.Event.Error>(error => error.Message?.ToString()?.Contains("Task journal write", StringComparison.Ordinal) == true, _ => failed());
    }

    private static ITaskQueue StartQueue(ActorSystem system, DurabilitySettings journal)
    {
        var settings = TaskQueueSettings.Create(system) with { GlobalConcurrency = 1, AskTimeout = TimeSpan.FromSeconds(2) };
        return TaskQueue.Start(system, [TaskDefinition.Create<int, int>("parked", (_, ctx) => Task.Delay(Timeout.Infinite, ctx.CancellationToken).ContinueWith(_ => 0),
            TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None))], settings, journal);
    }

    /// <summary>
    /// The real Akka.Persistence journal, except that every 25th write fails (taking what it holds with it, before anything is
    /// written). By count, not by chance: the task journal group-commits, so a run makes only about a hundred writes, and a
    /// 1 % chance per write left a third of runs without a single failure.
    /// </summary>
    public sealed class FaultyJournal(Config config) : SqlWriteJournal(config)
    {
        private const int FailEvery = 25;
        private static int s_writes;

        protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            var writes = messages.ToList();
            if (Interlocked.Increment(ref s_writes) % FailEvery == 0)
            {
                return Task.FromException<IImmutableList<Exception>>(new IOException("Injected journal write failure."));
            }

            return base.WriteMessagesAsync(writes, cancellationToken);
        }
    }
}

/// <summary>
/// SQLite: the task journal writes its own file, so the fault is the database's own: a trigger that aborts one insert in 200 (a
/// flush's transaction is rolled back whole). Each entry is a row, so a run inserts thousands and fails dozens of times.
/// </summary>
public sealed class SqliteJournalFaultSpecs : JournalFaultScenarios
{
    protected override Task<DurabilitySettings> CreateJournalAsync() =>
        Task.FromResult(new DurabilitySettings(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-faults-").FullName, "journal.db"), 10_000));

    protected override async Task<Config> InjectFaultsAsync(DurabilitySettings journal, bool faulty)
    {
        var file = SqliteTaskStore.FileBeside(journal.ConnectionString);
        await using var connection = SqliteTaskStore.Connect(file);
        await using var command = connection.CreateCommand();
        command.CommandText = faulty
            ? "CREATE TRIGGER injected_fault BEFORE INSERT ON task_entries WHEN abs(random()) % 200 = 0 BEGIN SELECT RAISE(ABORT, 'Injected journal write failure.'); END"
            : "DROP TRIGGER IF EXISTS injected_fault";
        await command.ExecuteNonQueryAsync();
        return Config.Empty;
    }
}

public sealed class PostgreSqlJournalFaultSpecs(PostgresServer server) : JournalFaultScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<DurabilitySettings> CreateJournalAsync() => new(DurabilityProvider.PostgreSql, await server.NewDatabaseAsync(), 10_000);

    protected override Task<Config> InjectFaultsAsync(DurabilitySettings journal, bool faulty) =>
        Task.FromResult(ConfigurationFactory.ParseString(
            $"akka.persistence.journal.sql.class = \"{(faulty ? typeof(FaultyJournal).AssemblyQualifiedName : typeof(SqlWriteJournal).AssemblyQualifiedName)}\""));
}
