using Actors.Jobs;
using Actors.Durability;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Tests.Durability;

/// <summary>A durable job kind on a real journal: a new manager runs the remembered jobs again with their last state.</summary>
public abstract class JobDurabilityScenarios(DurabilitySettings journal)
    : Akka.TestKit.Xunit2.TestKit(Journals.SystemConfig(journal))
{
    /// <summary>The stored checkpoint's JSON, once there is one.</summary>
    protected abstract Task<string?> StoredCheckpointAsync();

    [Fact]
    public async Task A_new_manager_should_run_the_remembered_jobs_again_from_their_last_state_and_forget_stopped_ones()
    {
        var durability = new JobDurability<int, int>((_, count) => new Counter(count), TimeSpan.FromMilliseconds(100));
        var settings = new JobManagerSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        var first = Sys.ActorOf(JobManagerActor<int, int>.Props("counters", settings, durability), "first");
        // A durable manager answers once it has read its checkpoint: the first use of the journal starts its plugin (and,
        // on a busy machine where every test project starts at once, that took more than the default 3 s).
        TimeSpan? recovered = Journals.FirstUse;
        foreach (var key in new[] { "kept", "stopped" })
        {
            first.Tell(new RunJob<int, int>(key, () => new Counter(0)));
            ExpectMsg<JobCreated>(recovered);
            recovered = null;
            first.Tell(new DispatchToJob(key, 5));
        }

        first.Tell(new StopJob("stopped"));
        ExpectMsg<JobStopped>();
        await AwaitAssertAsync(async () =>
        {
            var stored = await StoredCheckpointAsync() ?? "";
            Assert.Contains("\"kept\":5", stored);
            Assert.DoesNotContain("stopped", stored);
        }, TimeSpan.FromSeconds(10));
        Watch(first);
        Sys.Stop(first);
        await ExpectTerminatedAsync(first);

        var second = Sys.ActorOf(JobManagerActor<int, int>.Props("counters", settings, durability), "second");
        second.Tell(GetRunningJobs.Instance);

        Assert.Equal(["kept"], ExpectMsg<RunningJobs>(Journals.FirstUse).Keys);
        second.Tell(new GetRunningJob("kept"));
        var cell = (JobCell<int>)ExpectMsg<RunningJob>().Cell!;
        Assert.Equal(5, cell.Current.State);
    }

    /// <summary>Counts what it is told, from where it was.</summary>
    private sealed class Counter(int start) : Job<int, int>(start)
    {
        protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

        protected override Task HandleAsync(int action, CancellationToken cancellationToken)
        {
            SetState(State + action);
            return Task.CompletedTask;
        }
    }
}

public sealed class SqliteJobDurabilitySpecs() : JobDurabilityScenarios(Journal)
{
    private static readonly DurabilitySettings Journal = new(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-jobs-").FullName, "journal.db"), 10_000);

    protected override async Task<string?> StoredCheckpointAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Journal.SqliteSnapshotFile};Mode=ReadOnly");
        return await Checkpoints.LatestAsync(connection, "snapshot", "actors-jobs-counters");
    }
}

public sealed class PostgreSqlJobDurabilitySpecs(PostgresServer server) : JobDurabilityScenarios(Journals.PostgreSqlFor(server)), IClassFixture<PostgresServer>
{
    private readonly string _connectionString = Journals.PostgreSqlFor(server).ConnectionString;

    protected override async Task<string?> StoredCheckpointAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        return await Checkpoints.LatestAsync(connection, "public.snapshot_store", "actors-jobs-counters");
    }

}
