using System.Collections.Concurrent;
using Actors.Configuration;
using Actors.Orchestration;
using Actors.Tasks;

namespace Actors.Tests.Orchestration;

/// <summary>Flows: DAGs of tasks run in dependency order, with fan-in results, failure policies and cancellation.</summary>
public sealed class FlowSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IFlowRunner _flows;

    public FlowSpecs()
        : base(ActorsConfig.Defaults)
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<string, string>("step", async (name, context) =>
            {
                _log.Enqueue($"start {name}");
                await Task.Yield();
                var inputs = context.Upstream.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value);
                _log.Enqueue($"end {name}");
                return $"{name}({string.Join(",", inputs)})";
            }, TaskPresets.Analysis.WithConcurrencyLimit(4)),
            TaskDefinition.Create<string, string>("fail", (name, _) => throw new FatalTaskException($"{name} broke"), TaskPresets.Analysis),
            TaskDefinition.Create<string, string>("held", async (name, context) =>
            {
                await _gate.Task.WaitAsync(context.CancellationToken);
                return name;
            }, TaskPresets.Analysis),
        ]);
        _flows = Flows.Start(Sys, queue);
    }

    /// <summary>a → b, c → d (fan-in); a → e; d, e → f.</summary>
    private static List<FlowNode> Diamond(string bType = "step", FlowFailurePolicy bPolicy = FlowFailurePolicy.FailFlow) =>
    [
        new("a", "step", "a"),
        new("b", bType, "b", ["a"], OnFailure: bPolicy),
        new("c", "step", "c", ["a"]),
        new("d", "step", "d", ["b", "c"]),
        new("e", "step", "e", ["a"]),
        new("f", "step", "f", ["d", "e"]),
    ];

    [Fact]
    public async Task A_diamond_with_branches_should_run_in_dependency_order_and_hand_each_node_its_dependencies_results()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(FlowEnded));

        var id = Assert.IsType<FlowAccepted>(await _flows.StartAsync(Diamond(), "diamond")).FlowId;

        Assert.Equal(FlowState.Completed, events.ExpectMsg<FlowEnded>(e => e.FlowId == id).State);
        var flow = (await _flows.GetAsync(id))!;
        Assert.All(flow.Nodes, node => Assert.Equal(FlowNodeState.Completed, node.State));
        Assert.Equal("f(d(b(a()),c(a())),e(a()))", flow.Nodes.Single(n => n.Name == "f").Result);
        var order = _log.ToList();
        foreach (var node in flow.Nodes)
        {
            foreach (var dependency in node.DependsOn)
            {
                Assert.True(order.IndexOf($"end {dependency}") < order.IndexOf($"start {node.Name}"), $"{node.Name} started before {dependency} ended: {string.Join("; ", order)}");
            }
        }
    }

    [Fact]
    public async Task A_failing_node_that_fails_the_flow_should_stop_what_depends_on_it_and_fail_the_flow_naming_it()
    {
        var flow = await RunAsync(Diamond("fail", FlowFailurePolicy.FailFlow));

        Assert.Equal(FlowState.Failed, flow.State);
        Assert.Contains("Node 'b' failed: b broke", flow.Reason);
        Assert.Equal(FlowNodeState.Failed, State(flow, "b"));
        Assert.All(new[] { "d", "f" }, name => Assert.Equal(FlowNodeState.Cancelled, State(flow, name)));
        Assert.DoesNotContain("start d", _log);
    }

    [Fact]
    public async Task A_failing_node_that_skips_its_dependents_should_let_the_other_branches_complete()
    {
        var flow = await RunAsync(Diamond("fail", FlowFailurePolicy.SkipDependents));

        Assert.Equal(FlowState.Completed, flow.State);
        Assert.Equal([FlowNodeState.Completed, FlowNodeState.Failed, FlowNodeState.Completed, FlowNodeState.Skipped, FlowNodeState.Completed, FlowNodeState.Skipped],
            flow.Nodes.Select(n => n.State));
        Assert.Contains("'b'", flow.Nodes.Single(n => n.Name == "d").Error!.Message);
    }

    [Fact]
    public async Task A_failing_node_that_continues_should_let_its_dependents_run_without_its_result()
    {
        var flow = await RunAsync(Diamond("fail", FlowFailurePolicy.Continue));

        Assert.Equal(FlowState.Completed, flow.State);
        Assert.Equal(FlowNodeState.Failed, State(flow, "b"));
        Assert.Equal("f(d(c(a())),e(a()))", flow.Nodes.Single(n => n.Name == "f").Result);
    }

    [Fact]
    public async Task Cancelling_a_flow_should_cancel_its_running_task_and_leave_its_pending_nodes_unrun()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(FlowNodeChanged));
        var id = Assert.IsType<FlowAccepted>(await _flows.StartAsync([new FlowNode("wait", "held", "w"), new FlowNode("after", "step", "x", ["wait"])])).FlowId;
        events.FishForMessage<FlowNodeChanged>(e => e.Node == "wait" && e.State == FlowNodeState.Running);

        var cancelled = Assert.IsType<FlowCancelRequested>(await _flows.CancelAsync(id, "not needed")).Flow;

        Assert.Equal((FlowState.Cancelled, "not needed"), (cancelled.State, cancelled.Reason));
        Assert.Equal(FlowNodeState.Cancelled, State(cancelled, "after"));
        events.FishForMessage<FlowNodeChanged>(e => e.Node == "wait" && e.State == FlowNodeState.Cancelled);
        Assert.DoesNotContain("start x", _log);
        Assert.IsType<FlowNotCancellable>(await _flows.CancelAsync(id));
    }

    [Fact]
    public async Task A_cycle_an_unknown_type_or_a_bad_input_should_be_refused_naming_it()
    {
        var cycle = Assert.IsType<FlowRejected>(await _flows.StartAsync([new FlowNode("x", "step", "x", ["z"]), new FlowNode("y", "step", "y", ["x"]), new FlowNode("z", "step", "z", ["y"])]));
        var unknown = Assert.IsType<FlowRejected>(await _flows.StartAsync([new FlowNode("x", "nope", "x")]));
        var input = Assert.IsType<FlowRejected>(await _flows.StartAsync([new FlowNode("x", "step", 42)]));
        var dependency = Assert.IsType<FlowRejected>(await _flows.StartAsync([new FlowNode("x", "step", "x", ["ghost"])]));

        Assert.Contains("cycle: x → z → y → x", cycle.Reason);
        Assert.Contains("Node 'x': no task type 'nope'", unknown.Reason);
        Assert.Contains("Node 'x': input:", input.Reason);
        Assert.Contains("'x' depends on 'ghost', which is not a flow node", dependency.Reason);
    }

    private async Task<FlowStatus> RunAsync(List<FlowNode> nodes)
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(FlowEnded));
        var id = Assert.IsType<FlowAccepted>(await _flows.StartAsync(nodes)).FlowId;
        events.ExpectMsg<FlowEnded>(e => e.FlowId == id);

        // Nodes cancelled when the flow failed end a moment later.
        FlowStatus? flow = null;
        await AwaitAssertAsync(async () =>
        {
            flow = (await _flows.GetAsync(id))!;
            Assert.DoesNotContain(flow.Nodes, n => n.State is FlowNodeState.Pending or FlowNodeState.Queued or FlowNodeState.Running);
        });
        return flow!;
    }

    private static FlowNodeState State(FlowStatus flow, string node) => flow.Nodes.Single(n => n.Name == node).State;
}
