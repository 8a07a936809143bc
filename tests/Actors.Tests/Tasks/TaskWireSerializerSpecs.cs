using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Akka.Serialization;

namespace Actors.Tests.Tasks;

/// <summary>The queue's protocol crosses nodes as data: every message round-trips through its serializer, typed again on the other side.</summary>
public sealed class TaskWireSerializerSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    public sealed record Resize(string File, int Width);

    public sealed record Resized(string File, long Bytes);

    [Fact]
    public void Every_message_of_the_protocol_should_round_trip_with_inputs_and_results_typed_again()
    {
        TaskQueue.Start(Sys, [TaskDefinition.Create<Resize, Resized>("resize", (r, _) => Task.FromResult(new Resized(r.File, 42)), TaskPresets.FileOperations)]);
        var at = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var record = TaskRecord.Start(new TaskQueued("task-1", "resize", 7, TimeSpan.FromSeconds(1), "key", at))
            .Apply(new TaskStarted("task-1", "resize", 1, at.AddSeconds(1)))
            .Apply(new TaskCompleted("task-1", "resize", new Resized("a.png", 42), TimeSpan.FromSeconds(2), at.AddSeconds(2)));
        var error = new TaskError("busy", TaskErrorClass.Retryable, TimeSpan.FromSeconds(3), null, "TimeoutException: busy");
        object[] messages =
        [
            new SubmitTask("resize", new Resize("a.png", 64), 9, TimeSpan.FromSeconds(1), "key", TimeSpan.FromMinutes(1)),
            new SubmitAccepted("task-1"),
            new SubmitRejected(SubmitRejection.QueueFull, "full"),
            new CancelTask("task-1", "no longer needed"),
            new GetTask("task-1"),
            new ListTasks(TaskState.Completed, 10),
            GetTaskQueueStatus.Instance,
            new TaskQueueStatus(true, "accepting"),
            new TaskQueued("task-1", "resize", 7, TimeSpan.FromSeconds(1), "key", at),
            new TaskStarted("task-1", "resize", 1, at),
            new TaskProgress("task-1", 50, "half", TimeSpan.FromSeconds(1), at),
            new TaskFailed("task-1", "resize", error, 1, at.AddSeconds(3), at),
            new TaskCancelled("task-1", "resize", "stop", at),
            new TaskCompleted("task-1", "resize", new Resized("a.png", 42), TimeSpan.FromSeconds(2), at),
        ];

        foreach (var message in messages)
        {
            Assert.Equal(message, RoundTrip(message));
        }

        Assert.Equal(record, ((SubmitCompleted)RoundTrip(new SubmitCompleted(record))).Record);
        Assert.Equal(record, ((TaskCancelRequested)RoundTrip(new TaskCancelRequested(record))).Record);
        Assert.Equal(record, ((TaskRecordReply)RoundTrip(new TaskRecordReply("task-1", record))).Record);
        Assert.Equal(record, ((TaskNotCancellable)RoundTrip(new TaskNotCancellable("task-1", "ended", record))).Record);
        Assert.Equal([record], ((TaskList)RoundTrip(new TaskList([record]))).Tasks);
        Assert.Equal(TestActor, ((WatchTask)RoundTrip(new WatchTask("task-1", TestActor))).Subscriber);
    }

    [Fact]
    public void The_executor_protocol_should_round_trip_with_actor_references_inputs_and_results()
    {
        TaskQueue.Start(Sys, [TaskDefinition.Create<Resize, Resized>("resize", (r, _) => Task.FromResult(new Resized(r.File, 42)), TaskPresets.FileOperations)]);
        var ended = new AttemptEnded("task-1", "resize", 2, new Resized("a.png", 42), null);
        object[] messages =
        [
            new RunTask("task-1", "resize", 2, new Resize("a.png", 64), "key"),
            new CancelAttempt("task-1", 2),
            ended,
            new AttemptEnded("task-1", "resize", 2, null, new TaskError("busy", TaskErrorClass.Retryable)),
            new ProgressReported("task-1", 2, 40, "resizing"),
            ExecutorRegistered.Instance,
            new ExecutorLeaving(TestActor),
            new ExecutorLeft(TestActor),
        ];

        foreach (var message in messages)
        {
            Assert.Equal(message, RoundTrip(message));
        }

        var register = (RegisterExecutor)RoundTrip(new RegisterExecutor(TestActor, "node-a", new Dictionary<string, IActorRef> { ["resize"] = TestActor },
            [new AttemptRef("task-1", "resize", 2)], [ended]));
        Assert.Equal(TestActor, register.Executor);
        Assert.Equal(TestActor, register.Lanes["resize"]);
        Assert.Equal([new AttemptRef("task-1", "resize", 2)], register.Running);
        Assert.Equal([ended], register.RecentlyEnded);
    }

    [Fact]
    public void An_input_given_as_JSON_should_be_typed_on_a_node_that_knows_its_type_and_relayed_again()
    {
        TaskQueue.Start(Sys, [TaskDefinition.Create<Resize, Resized>("resize", (r, _) => Task.FromResult(new Resized(r.File, 42)), TaskPresets.FileOperations)]);
        var fromOutside = new SubmitTask("resize", System.Text.Json.JsonDocument.Parse("""{ "File": "a.png", "Width": 64 }""").RootElement);

        var typed = (SubmitTask)RoundTrip(fromOutside);
        Assert.Equal(new Resize("a.png", 64), typed.Input);
        Assert.Equal(new Resize("a.png", 64), ((SubmitTask)RoundTrip(typed)).Input);
    }

    [Fact]
    public void No_message_should_be_written_with_a_CLR_type_name()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new SubmitAccepted("task-1"));

        Assert.IsType<TaskWireSerializer>(serializer);
        Assert.Equal("tasks.submit-accepted.v1", Akka.Serialization.Serialization.ManifestFor(serializer, new SubmitAccepted("task-1")));
    }

    private object RoundTrip(object message)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, serializer.Manifest(message));
    }
}
