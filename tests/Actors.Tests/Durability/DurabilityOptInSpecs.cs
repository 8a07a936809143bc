using System.Reflection;
using Actors.Configuration;
using Actors.Durability;
using Actors.Jobs;
using Actors.Thunks;
using Akka.Actor;
using Akka.Configuration;

namespace Actors.Tests.Durability;

public sealed class DurabilityOptInSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    [Fact]
    public void A_durable_job_kind_without_a_store_should_refuse_to_start_and_say_how_to_add_one()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            JobManager.Start(Sys, "orders", durability: new JobDurability<int, int>((_, state) => throw new InvalidOperationException("not restored"))));

        Assert.Contains("Job manager 'orders' is durable, but no store is configured", error.Message);
        Assert.Contains("WithDurability", error.Message);
    }

    [Fact]
    public void A_durable_thunk_system_without_a_store_should_refuse_to_start()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            ThunkSystem.Start(Sys, 0, (int state, object _) => state, new ThunkDurability(new Dictionary<string, Type>())));

        Assert.Contains("The thunk system is durable, but no store is configured", error.Message);
    }

    [Fact]
    public void Settings_as_configuration_should_touch_no_file_until_a_capability_prepares_the_store()
    {
        var folder = Path.Combine(Path.GetTempPath(), "actors-untouched-" + Guid.NewGuid().ToString("N"));
        var settings = new DurabilitySettings(DurabilityProvider.Sqlite, Path.Combine(folder, "journal.db"), 10);

        var config = settings.ToAkkaConfig();
        Assert.False(Directory.Exists(folder));
        Assert.Equal("sqlite", config.GetString("actors.durability.provider"));

        settings.PrepareStore();
        Assert.True(File.Exists(Path.Combine(folder, "journal.db")));
        Assert.True(File.Exists(Path.Combine(folder, "journal.snapshots.db")));
    }

    [Fact]
    public void Every_stored_type_should_keep_the_manifest_it_was_first_written_under()
    {
        var serializer = new ActorsJsonSerializer((ExtendedActorSystem)Sys);
        var stored = typeof(IStored).Assembly.GetTypes().Where(t => typeof(IStored).IsAssignableFrom(t) && t.IsClass)
            .ToDictionary(t => t.Name, t => serializer.Manifest(RuntimeHelpers(t)));

        // A manifest names stored data forever: renaming one orphans every journal written before.
        Assert.Equal(new SortedDictionary<string, string>
        {
            ["FlowsCheckpointV1"] = "flows.checkpoint.v1",
            ["JobsCheckpointV1"] = "jobs.checkpoint.v1",
            ["TaskAcceptedV1"] = "task.accepted.v1",
            ["TaskCancelledV1"] = "task.cancelled.v1",
            ["TaskCompletedV1"] = "task.completed.v1",
            ["TaskEntriesV1"] = "task.entries.v1",
            ["TaskFailedV1"] = "task.failed.v1",
            ["TaskJournalSnapshotV1"] = "task.snapshot.v1",
            ["TaskStartedV1"] = "task.started.v1",
            ["ThunkCheckpointV1"] = "thunks.checkpoint.v1",
            ["ThunkCheckpointV2"] = "thunks.checkpoint.v2",
        }, new SortedDictionary<string, string>(stored));
    }

    /// <summary>An instance only to ask its manifest (which depends on the type alone).</summary>
    private static object RuntimeHelpers(Type type) => System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
}
