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
/// The journal (SQLite, PostgreSQL) with every 25th write failing: the queue refuses (or never answers) the submits it
/// could not store and restarts from its journal; every submit it acknowledged is there after a restart.
/// </summary>
public abstract class JournalFaultScenarios : IAsyncLifetime
{
    private const int Submits = 3_000;
    private DurabilitySettings _journal = null!;

    public async Task InitializeAsync() => _journal = await CreateJournalAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A fresh, empty journal.</summary>
    protected abstract Task<DurabilitySettings> CreateJournalAsync();

    [Fact]
    public async Task No_acknowledged_submit_should_be_missing_after_recovery_when_writes_fail()
    {
        var failuresBefore = FaultyJournal.Failures;
        var acknowledged = new ConcurrentBag<string>();
        var refused = 0;
        var system = Start(faulty: true);
        try
        {
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

        Assert.True(FaultyJournal.Failures > failuresBefore, "no write failed: the fault injection did not happen");
        Assert.True(refused > 0, "no submit was refused although writes failed");

        var again = Start(faulty: false);
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

    private ActorSystem Start(bool faulty)
    {
        var persistence = _journal;
        var config = ConfigurationFactory.ParseString($$"""
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            akka.loglevel = WARNING
            # (a crash is simulated by abandoning a system in this process; a dead process holds no lock)
            actors.durability.single-writer = off
            akka.persistence.journal.sql.class = "{{(faulty ? typeof(FaultyJournal).AssemblyQualifiedName : typeof(SqlWriteJournal).AssemblyQualifiedName)}}"
            """).WithFallback(persistence.ToAkkaConfig()).WithFallback(ActorsConfig.Defaults);
        return ActorSystem.Create("faults", config);
    }

    private static ITaskQueue StartQueue(ActorSystem system, DurabilitySettings journal)
    {
        var settings = TaskQueueSettings.Create(system) with { GlobalConcurrency = 1, AskTimeout = TimeSpan.FromSeconds(2) };
        return TaskQueue.Start(system, [TaskDefinition.Create<int, int>("parked", (_, ctx) => Task.Delay(Timeout.Infinite, ctx.CancellationToken).ContinueWith(_ => 0),
            TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None))], settings, journal);
    }

    /// <summary>
    /// The real journal, except that every 25th write fails (taking what it holds with it, before anything is written). By
    /// count, not by chance: the task journal group-commits, so a run makes only about a hundred writes, and a 1 % chance
    /// per write left a third of runs without a single failure.
    /// </summary>
    public sealed class FaultyJournal(Config config) : SqlWriteJournal(config)
    {
        private const int FailEvery = 25;
        private static int s_failures;
        private static int s_writes;

        public static int Failures => Volatile.Read(ref s_failures);

        protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            var writes = messages.ToList();
            if (Interlocked.Increment(ref s_writes) % FailEvery == 0)
            {
                Interlocked.Increment(ref s_failures);
                return Task.FromException<IImmutableList<Exception>>(new IOException("Injected journal write failure."));
            }

            return base.WriteMessagesAsync(writes, cancellationToken);
        }
    }
}

public sealed class SqliteJournalFaultSpecs : JournalFaultScenarios
{
    protected override Task<DurabilitySettings> CreateJournalAsync() =>
        Task.FromResult(new DurabilitySettings(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-faults-").FullName, "journal.db"), 10_000));
}

public sealed class PostgreSqlJournalFaultSpecs(PostgresServer server) : JournalFaultScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<DurabilitySettings> CreateJournalAsync() => new(DurabilityProvider.PostgreSql, await server.NewDatabaseAsync(), 10_000);
}
