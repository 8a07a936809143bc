using Actors.TestSupport;

namespace Host.Tests;

/// <summary>A second service on the same journal refuses to start; once the first is gone (even killed), the journal is free again.</summary>
public abstract class SingleWriterScenarios
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    protected abstract Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync();

    [Fact]
    public async Task A_second_service_on_the_same_journal_should_exit_1_naming_it_and_start_once_the_first_was_killed()
    {
        var folder = Directory.CreateTempSubdirectory("actors-writer-");
        var environment = await JournalEnvironmentAsync();
        await using var first = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder));

        Assert.Contains("The service exited with 1 before listening", refused.Message);
        Assert.Contains("Another process holds the", refused.Message);
        Assert.Contains("one process writes a journal at a time", refused.Message);

        await first.KillAsync();
        await using var second = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder);
        Assert.Equal(0, await second.TerminateAsync(Patience));
    }
}

public sealed class SqliteSingleWriterSpecs : SingleWriterScenarios
{
    protected override Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

public sealed class PostgreSqlSingleWriterSpecs(PostgresServer server) : SingleWriterScenarios, IClassFixture<PostgresServer>
{
    protected override async Task<IReadOnlyDictionary<string, string>> JournalEnvironmentAsync() => Journal.PostgreSql(await server.NewDatabaseAsync());
}
