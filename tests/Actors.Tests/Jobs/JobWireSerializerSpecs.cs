using System.Collections.Immutable;
using System.Runtime.Serialization;
using Actors.Configuration;
using Actors.Jobs;
using Akka.Serialization;

namespace Actors.Tests.Jobs;

/// <summary>The job protocol crosses nodes as data: every message round-trips, with states and actions typed again by their kind's names.</summary>
public sealed class JobWireSerializerSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    [Fact]
    public void Every_message_of_the_protocol_should_round_trip_with_states_and_actions_typed_again()
    {
        JobManager.RegisterWireTypes<ImmutableList<string>, Append>(Sys, "logs");
        var log = ImmutableList.Create("a:1", "b:2");
        object[] messages =
        [
            new JobCreated("k", TestActor),
            new JobAlreadyRunning("k", TestActor),
            new JobRejected("k", "no key"),
            new GetRunningJob("k"),
            new RunningJob("k", null),
            GetRunningJobs.Instance,
            new StopJob("k", TestActor),
            new StopJob("k"),
            new JobNotRunning("k"),
            new JobStopped("logs", "k", JobStopReason.Failed, "boom"),
            new JobStarted("logs", "k"),
            new DispatchToJob("k", new Append("a", 1), Acknowledge: true),
            new Dispatch(new Append("a", 1)),
            new ActionHandled("k"),
            new ActionRejected("k", new Append("a", 1), "stopping"),
            new ActionFailed("k", "boom"),
            new SubscribeToJob(TestActor),
            new UnsubscribeFromJob(TestActor),
            GetJobState.Instance,
        ];

        foreach (var message in messages)
        {
            Assert.Equal(message, RoundTrip(message));
        }

        Assert.Equal(["a", "b"], ((RunningJobs)RoundTrip(new RunningJobs(["a", "b"]))).Keys);
        var run = (RunJobFromState<ImmutableList<string>>)RoundTrip(new RunJobFromState<ImmutableList<string>>("k", log));
        Assert.Equal(log, run.InitialState);
        var state = (JobState<ImmutableList<string>>)RoundTrip(new JobState<ImmutableList<string>>("k", 3, log, 2));
        Assert.Equal(("k", 3L, 2), (state.Key, state.Version, state.Subscribers));
        Assert.Equal(log, state.State);
        var changed = (JobStateChanged<ImmutableList<string>>)RoundTrip(new JobStateChanged<ImmutableList<string>>("k", 4, log));
        Assert.Equal(log, changed.State);
        Assert.Equal(4, changed.Version);
    }

    [Fact]
    public void A_running_job_read_on_another_node_should_carry_a_copy_of_its_state()
    {
        JobManager.RegisterWireTypes<ImmutableList<string>, Append>(Sys, "logs");
        var cell = new JobCell<ImmutableList<string>>(TestActor, new JobStateChanged<ImmutableList<string>>("k", 5, ["x"]));

        var read = (RunningJob)RoundTrip(new RunningJob("k", TestActor) { Cell = cell });

        Assert.Equal(TestActor, read.Job);
        var copy = Assert.IsType<JobCell<ImmutableList<string>>>(read.Cell);
        Assert.True(copy.IsCopy);
        Assert.Equal(5, copy.Current.Version);
        Assert.Equal(["x"], copy.Current.State);
    }

    [Fact]
    public void A_state_or_action_of_no_known_kind_should_be_refused_naming_its_type_and_the_fix()
    {
        var error = Assert.Throws<SerializationException>(() => RoundTrip(new Dispatch(new Append("a", 1))));

        Assert.Contains(typeof(Append).FullName!, error.Message);
        Assert.Contains("RegisterWireTypes", error.Message);
    }

    [Fact]
    public void No_message_should_be_written_with_a_CLR_type_name()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new GetRunningJob("k"));

        Assert.IsType<JobWireSerializer>(serializer);
        Assert.Equal("jobs.get-running.v1", Akka.Serialization.Serialization.ManifestFor(serializer, new GetRunningJob("k")));
        Assert.Equal("jobs.state-changed.v1", Akka.Serialization.Serialization.ManifestFor(serializer, new JobStateChanged<int>("k", 1, 2)));
    }

    private object RoundTrip(object message)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, serializer.Manifest(message));
    }
}
