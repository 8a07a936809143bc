using Actors.Configuration;
using Actors.Durability;
using Actors.Tasks;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Tests.Durability;

/// <summary>One writer per journal: a second actor system (here standing for a second process) on the same store is refused at start.</summary>
public abstract class SingleWriterScenarios
{
    protected abstract Task<DurabilitySettings> CreateJournalAsync();

    [Fact]
    public async Task A_second_writer_should_be_refused_naming_the_journal_until_the_first_one_has_stopped()
    {
        var journal = await CreateJournalAsync();
        var first = ActorSystem.Create("first", journal.ToAkkaConfig().WithFallback(ActorsConfig.Defaults));
        var second = ActorSystem.Create("second", journal.ToAkkaConfig().WithFallback(ActorsConfig.Defaults));
        try
        {
            TaskQueue.Start(first, [Noop]);

            var refused = Assert.Throws<InvalidOperationException>(() => TaskQueue.Start(second, [Noop]));
            Assert.Contains("Another process holds the", refused.Message);
            Assert.Contains("one process writes a journal at a time", refused.Message);

            await first.Terminate();
            var queue = TaskQueue.Start(second, [Noop]);
            Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("noop", 1, wait: TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await Task.WhenAll(first.Terminate(), second.Terminate());
        }
    }

    private static readonly TaskDefinition Noop = TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.Analysis);
}

public sealed class SqliteSingleWriterSpecs : SingleWriterScenarios
{
    protected override Task<DurabilitySettings> CreateJournalAsync() =>
        Task.FromResult(new DurabilitySettings(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-writer-").FullName, "journal.db"), 10_000));
}

public sealed class PostgreSqlSingleWriterSpecs(PostgresServer server) : SingleWriterScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<DurabilitySettings> CreateJournalAsync() => new(DurabilityProvider.PostgreSql, await server.NewDatabaseAsync(), 10_000);
}
