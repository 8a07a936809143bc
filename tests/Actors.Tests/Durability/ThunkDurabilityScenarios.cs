using System.Collections.Immutable;
using System.Text;
using Actors.Durability;
using Actors.TestSupport;
using Actors.Thunks;
using Akka.Actor;
using Akka.TestKit;

namespace Actors.Tests.Durability;

/// <summary>
/// The thunk coordinator on a real journal: a coordinator is stopped while a tree holds the lock and
/// another source's actions wait; the tree's source dies; a new coordinator resumes from the checkpoint.
/// </summary>
public abstract class ThunkDurabilityScenarios(DurabilitySettings journal)
    : Akka.TestKit.Xunit2.TestKit(Journals.SystemConfig(journal))
{
    private static readonly ThunkSettings Settings = new(TimeSpan.FromMinutes(5), 100, TimeSpan.FromSeconds(10));

    /// <summary>The stored checkpoint's JSON, once there is one.</summary>
    protected abstract Task<string?> StoredCheckpointAsync();

    [Fact]
    public async Task A_restarted_coordinator_should_continue_the_version_fail_the_dead_tree_and_apply_waiting_actions_in_order()
    {
        var durability = new ThunkDurability(new Dictionary<string, Type> { ["add"] = typeof(Add) });
        var store = Sys.ActorOf(StateStoreActor<ImmutableList<int>>.Props(ImmutableList<int>.Empty, (list, action) => list.Add(((Add)action).N)), "store");
        var first = Sys.ActorOf(ThunkCoordinator.Props(store, Settings, durability), "coordinator");
        var holder = CreateTestProbe();
        var waiter = CreateTestProbe();

        first.Tell(new RegisterThunk("tree-a"), holder);
        holder.ExpectMsg<ThunkRegistered>(Journals.FirstUse); // answered once the coordinator has read the journal (its first use)
        first.Tell(new StartThunk("tree-a"), holder);
        holder.ExpectMsg<ThunkStarted>();
        foreach (var n in new[] { 1, 2, 3 })
        {
            first.Tell(new DispatchThunkAction(new Add(n)), waiter);
        }

        var before = await first.Ask<ThunkSummary>(GetThunkSummary.Instance);
        Assert.Equal(3, before.QueuedActions);
        await AwaitAssertAsync(async () => Assert.Equal(3, Occurrences(await StoredCheckpointAsync() ?? "", "\"Name\":\"add\"")), TimeSpan.FromSeconds(10));

        Watch(first);
        Sys.Stop(first);
        await ExpectTerminatedAsync(first);
        Watch(holder.Ref);
        Sys.Stop(holder.Ref);
        await ExpectTerminatedAsync(holder.Ref);

        var second = Sys.ActorOf(ThunkCoordinator.Props(store, Settings, durability), "coordinator-2");
        await AwaitAssertAsync(async () =>
            Assert.Equal([1, 2, 3], (await store.Ask<StoreStateChanged<ImmutableList<int>>>(GetStoreState.Instance)).State), TimeSpan.FromSeconds(10));
        var after = await second.Ask<ThunkSummary>(GetThunkSummary.Instance);

        Assert.Empty(after.ActiveRoots);
        Assert.Equal(0, after.QueuedActions);
        Assert.True(after.Version > before.Version, $"the version went from {before.Version} to {after.Version}");
        Assert.Equal(before.Version + 2, after.Version);
    }

    [Fact]
    public async Task Changes_made_while_a_checkpoint_is_saved_should_go_out_together_and_the_last_checkpoint_should_hold_the_final_state()
    {
        var store = Sys.ActorOf(StateStoreActor<ImmutableList<int>>.Props(ImmutableList<int>.Empty, (list, action) => list.Add(((Add)action).N)), "store");
        var coordinator = Sys.ActorOf(ThunkCoordinator.ForStateStore(store, Settings, new ThunkDurability(new Dictionary<string, Type> { ["add"] = typeof(Add) })), "coordinator");
        var source = CreateTestProbe();
        coordinator.Tell(new RegisterThunk("root"), source);
        source.ExpectMsg<ThunkRegistered>(Journals.FirstUse);
        coordinator.Tell(new StartThunk("root"), source);

        // 1,000 children registered, started and completed without waiting: thousands of changes while saves are under way.
        for (var i = 0; i < 1_000; i++)
        {
            coordinator.Tell(new RegisterThunk($"child-{i}", ParentId: "root"), source);
            coordinator.Tell(new StartThunk($"child-{i}"), source);
            coordinator.Tell(new DispatchThunkAction(new Add(i), $"child-{i}"), source);
            coordinator.Tell(new CompleteThunk($"child-{i}"), source);
        }

        coordinator.Tell(new CompleteThunk("root"), source);
        source.FishForMessage(m => m is ThunkCompleted { Id: "root" }, TimeSpan.FromSeconds(30));
        var final = await coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance);

        Assert.Empty(final.Thunks);
        await AwaitAssertAsync(async () =>
        {
            var stored = await StoredCheckpointAsync() ?? "";
            Assert.Contains($"\"Version\":{final.Version},", stored);
            Assert.Contains("\"Thunks\":[]", stored);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_new_incarnation_should_get_the_committed_store_state_back_and_fail_every_earlier_tree_at_once()
    {
        var durability = new ThunkDurability(new Dictionary<string, Type> { ["add"] = typeof(Add) });
        var first = ThunkSystem.Start(Sys, ImmutableList<int>.Empty, Reduce, durability);
        await first.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync(new Add(1));
            await root.DispatchAsync(new Add(2));
        });
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = first.Processor.RunAsync(async root =>
        {
            await root.DispatchAsync(new Add(3)); // applied, never committed: its tree still holds the lock at the "crash"
            holding.SetResult();
            await never.Task;
        });
        await holding.Task;
        var before = await first.Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance);
        await AwaitAssertAsync(async () => Assert.Contains("\"StoreVersion\":2", await StoredCheckpointAsync() ?? ""), TimeSpan.FromSeconds(10));
        Watch(first.Coordinator);
        Sys.Stop(first.Coordinator);
        await ExpectTerminatedAsync(first.Coordinator);

        var restarted = ActorSystem.Create("restarted", Journals.SystemConfig(journal));
        try
        {
            var second = ThunkSystem.Start(restarted, ImmutableList<int>.Empty, Reduce, durability);
            var restored = await second.Store.Ask<StoreStateChanged<ImmutableList<int>>>(GetStoreState.Instance, TimeSpan.FromSeconds(10));
            await second.Processor.RunAsync(root => root.DispatchAsync(new Add(4))).WaitAsync(TimeSpan.FromSeconds(10)); // not behind the dead tree's lock
            var after = await second.Store.Ask<StoreStateChanged<ImmutableList<int>>>(GetStoreState.Instance, TimeSpan.FromSeconds(10));
            var summary = await second.Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance, TimeSpan.FromSeconds(10));

            Assert.Equal([1, 2], restored.State);
            Assert.Equal(2, restored.Version);
            Assert.Equal([1, 2, 4], after.State);
            Assert.Empty(summary.ActiveRoots);
            Assert.True(summary.Version > before.Version, $"the version went from {before.Version} to {summary.Version}");
        }
        finally
        {
            never.TrySetResult();
            await restarted.Terminate();
        }
    }

    private static ImmutableList<int> Reduce(ImmutableList<int> list, object action) => list.Add(((Add)action).N);

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    public sealed record Add(int N);
}

public sealed class SqliteThunkDurabilitySpecs() : ThunkDurabilityScenarios(Journal)
{
    private static readonly DurabilitySettings Journal = new(DurabilityProvider.Sqlite, Path.Combine(Directory.CreateTempSubdirectory("actors-thunks-").FullName, "journal.db"), 10_000);

    protected override async Task<string?> StoredCheckpointAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Journal.SqliteSnapshotFile};Mode=ReadOnly");
        return await Checkpoints.LatestAsync(connection, "snapshot");
    }
}

/// <summary>Reads the thunk coordinator's stored checkpoint.</summary>
internal static class Checkpoints
{
    public static async Task<string?> LatestAsync(System.Data.Common.DbConnection connection, string table, string persistenceId = "actors-thunks")
    {
        try
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT payload FROM {table} WHERE persistence_id = '{persistenceId}' ORDER BY created_at DESC LIMIT 1";
            return await command.ExecuteScalarAsync() is byte[] payload ? Encoding.UTF8.GetString(payload) : null;
        }
        catch (System.Data.Common.DbException)
        {
            return null;
        }
    }
}

public sealed class PostgreSqlThunkDurabilitySpecs(PostgresServer server) : ThunkDurabilityScenarios(Journals.PostgreSqlFor(server)), IClassFixture<PostgresServer>
{
    private readonly string _connectionString = Journals.PostgreSqlFor(server).ConnectionString;

    protected override async Task<string?> StoredCheckpointAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        return await Checkpoints.LatestAsync(connection, "public.snapshot_store");
    }


}
