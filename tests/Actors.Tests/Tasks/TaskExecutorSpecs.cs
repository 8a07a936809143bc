using Actors.Configuration;
using Actors.Tasks;
using Akka;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>
/// The queue as it runs in a cluster (attempts on the executors that register, not on lanes of its own),
/// with two real executors standing for two nodes: placement, a lost executor, a draining one.
/// </summary>
public sealed class TaskExecutorSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    /// <summary>Each input waits for its own gate: "a" runs until <c>Release("a")</c>.</summary>
    private readonly Dictionary<string, TaskCompletionSource> _gates = new();

    private TaskDefinition Work() => TaskDefinition.Create<string, string>("work", async (input, context) =>
    {
        Task gate;
        lock (_gates)
        {
            gate = (_gates.TryGetValue(input, out var source) ? source : _gates[input] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        await gate.WaitAsync(context.CancellationToken);
        return $"{input} done";
    }, TaskPresets.Analysis.WithConcurrencyLimit(8));

    private void Release(string input)
    {
        lock (_gates)
        {
            (_gates.TryGetValue(input, out var source) ? source : _gates[input] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private (IActorRef Queue, TaskQueueClient Client) StartQueue()
    {
        var settings = TaskQueueSettings.Create(Sys);
        var queue = Sys.ActorOf(TaskQueueActor.Props([Work()], settings, remoteExecutors: true), "tasks");
        return (queue, new TaskQueueClient(Sys, queue, settings.AskTimeout));
    }

    private IActorRef StartExecutor(IActorRef queue, string node, TimeSpan? grace = null) =>
        Sys.ActorOf(TaskExecutorActor.Props([Work()], queue, node, grace ?? TimeSpan.FromSeconds(10)), $"executor-{node}");

    private Akka.TestKit.TestProbe Events(params Type[] types)
    {
        var probe = CreateTestProbe();
        foreach (var type in types)
        {
            Sys.EventStream.Subscribe(probe.Ref, type);
        }

        return probe;
    }

    /// <summary>Starts node-a's executor, then node-b's, and returns once the queue places attempts on both.</summary>
    private async Task<(IActorRef A, IActorRef B)> StartTwoExecutorsAsync(IActorRef queue, TaskQueueClient client, TimeSpan? graceOfA = null)
    {
        var a = StartExecutor(queue, "node-a", graceOfA);
        await AwaitAssertAsync(async () => Assert.Equal("node-a", await RunOneAsync(client, "probe-a")));

        // While node-a is busy, the least busy executor is node-b, once it has registered.
        var hold = ((SubmitAccepted)await client.SubmitAsync("work", "hold-a")).TaskId;
        var b = StartExecutor(queue, "node-b");
        var probes = 0;
        await AwaitAssertAsync(async () => Assert.Equal("node-b", await RunOneAsync(client, $"probe-b-{++probes}")));
        Release("hold-a");
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Completed, (await client.GetAsync(hold))!.Status));
        return (a, b);
    }

    [Fact]
    public async Task Attempts_should_go_to_the_least_busy_executor_and_their_records_should_name_its_node()
    {
        var (queue, client) = StartQueue();
        await StartTwoExecutorsAsync(queue, client);
        var started = Events(typeof(TaskStarted));

        foreach (var input in new[] { "1", "2", "3", "4" })
        {
            await client.SubmitAsync("work", input);
        }

        var nodes = Enumerable.Range(0, 4).Select(_ => started.ExpectMsg<TaskStarted>().Node).ToList();
        Assert.Equal(2, nodes.Count(node => node == "node-a"));
        Assert.Equal(2, nodes.Count(node => node == "node-b"));
    }

    [Fact]
    public async Task An_attempt_whose_executor_is_gone_should_run_again_on_another_as_the_next_attempt()
    {
        var (queue, client) = StartQueue();
        var (a, b) = await StartTwoExecutorsAsync(queue, client);
        var events = Events(typeof(TaskStarted), typeof(TaskFailed), typeof(TaskCompleted));

        var id = ((SubmitAccepted)await client.SubmitAsync("work", "long")).TaskId;
        var first = events.FishForMessage<TaskStarted>(started => started.TaskId == id);
        Sys.Stop(first.Node == "node-a" ? a : b);

        var lost = events.FishForMessage<TaskFailed>(failed => failed.TaskId == id);
        Assert.Contains($"{first.Node} was lost while attempt 1 ran", lost.Error.Message);
        var again = events.FishForMessage<TaskStarted>(started => started.TaskId == id);
        Assert.Equal(2, again.Attempt);
        Assert.NotEqual(first.Node, again.Node);

        Release("long");
        Assert.Equal(id, events.FishForMessage<TaskCompleted>(completed => completed.TaskId == id).TaskId);
        Assert.Equal(2, (await client.GetAsync(id))!.Attempts);
    }

    [Fact]
    public async Task A_draining_executor_should_take_no_new_attempt_and_hand_back_what_still_runs_when_its_grace_is_over()
    {
        var (queue, client) = StartQueue();
        var (a, _) = await StartTwoExecutorsAsync(queue, client, graceOfA: TimeSpan.FromMilliseconds(300));
        var events = Events(typeof(TaskStarted), typeof(TaskFailed), typeof(TaskCompleted));

        // Both idle, in turn: the first of two goes to one node and the second to the other; keep the one on node-a.
        var first = ((SubmitAccepted)await client.SubmitAsync("work", "long-1")).TaskId;
        var second = ((SubmitAccepted)await client.SubmitAsync("work", "long-2")).TaskId;
        var starts = new[] { events.FishForMessage<TaskStarted>(_ => true), events.FishForMessage<TaskStarted>(_ => true) };
        var running = starts.Single(started => started.Node == "node-a").TaskId;
        Release(running == first ? "long-2" : "long-1");

        var drained = a.Ask<Done>(DrainExecutor.Instance, TimeSpan.FromSeconds(10));

        // Past the grace, the attempt on node-a is handed back and runs again on node-b.
        var handedBack = events.FishForMessage<TaskFailed>(failed => failed.TaskId == running);
        Assert.Contains("node-a was lost while attempt 1 ran", handedBack.Error.Message);
        var again = events.FishForMessage<TaskStarted>(started => started.TaskId == running);
        Assert.Equal(("node-b", 2), (again.Node, again.Attempt));
        await drained;
        Release(running == first ? "long-1" : "long-2");
        Assert.Equal(running, events.FishForMessage<TaskCompleted>(completed => completed.TaskId == running).TaskId);

        // New work goes to node-b only.
        foreach (var input in new[] { "x", "y", "z" })
        {
            Release(input);
            Assert.Equal("node-b", await RunOneAsync(client, input));
        }
    }

    /// <summary>Runs one task to its end; the node that ran it.</summary>
    private async Task<string?> RunOneAsync(TaskQueueClient client, string input)
    {
        Release(input);
        var result = await client.SubmitAsync("work", input, wait: TimeSpan.FromSeconds(5));
        var record = Assert.IsType<SubmitCompleted>(result).Record;
        return record.Node;
    }
}
