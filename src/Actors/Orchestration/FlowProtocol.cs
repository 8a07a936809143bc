using Actors.Tasks;

namespace Actors.Orchestration;

// Flows (seed 004's pipelines): a DAG of tasks. Each node is a task of the queue (type, input, priority); a node is
// submitted once its dependencies have ended, with their results handed to its handler (ITaskContext.Upstream). The
// protocol of the FlowManagerActor; the facade is IFlowRunner.

/// <summary>What a node's failure (after its retries) does to the flow.</summary>
public enum FlowFailurePolicy
{
    /// <summary>The flow fails: its running nodes are cancelled and the others never start.</summary>
    FailFlow,

    /// <summary>Every node that depends on it (directly or not) is skipped; the other branches go on.</summary>
    SkipDependents,

    /// <summary>Its dependents run anyway (without its result).</summary>
    Continue,
}

/// <summary>One node of a flow: a task, submitted when the nodes it depends on have ended.</summary>
/// <param name="Name">Unique in the flow, at most 100 characters (its dependents' handlers find its result under it).</param>
/// <param name="Type">The task type.</param>
/// <param name="Input">The task's input (of the type's input type).</param>
/// <param name="DependsOn">The nodes that must end first.</param>
/// <param name="Priority">The task's priority, 1 to 10.</param>
/// <param name="OnFailure">What its failure does to the flow.</param>
public sealed record FlowNode(
    string Name,
    string Type,
    object? Input = null,
    IReadOnlyList<string>? DependsOn = null,
    int Priority = TaskPriority.Default,
    FlowFailurePolicy OnFailure = FlowFailurePolicy.FailFlow);

/// <summary>A command the flow manager accepts.</summary>
public interface IFlowCommand;

/// <summary>Starts a flow. Replies <see cref="FlowAccepted"/> once it is stored (with a journal), or <see cref="FlowRejected"/>.</summary>
/// <param name="Nodes">The nodes, at least one, at most 1,000.</param>
/// <param name="Name">A name for people, if any.</param>
public sealed record StartFlow(IReadOnlyList<FlowNode> Nodes, string? Name = null) : IFlowCommand;

/// <summary>The reply to <see cref="StartFlow"/>.</summary>
public abstract record StartFlowResult;

/// <summary>The flow runs; follow it by its id.</summary>
/// <param name="FlowId">The flow's id.</param>
public sealed record FlowAccepted(string FlowId) : StartFlowResult;

/// <summary>The flow was refused, and why (a cycle and its members, an unknown type or dependency, a bad input: named).</summary>
/// <param name="Reason">Why, naming the node.</param>
public sealed record FlowRejected(string Reason) : StartFlowResult;

/// <summary>Asks for a flow's status. Replies <see cref="FlowReply"/>.</summary>
/// <param name="FlowId">The flow.</param>
public sealed record GetFlow(string FlowId) : IFlowCommand;

/// <summary>The reply to <see cref="GetFlow"/>.</summary>
/// <param name="FlowId">The flow asked for.</param>
/// <param name="Flow">Its status; null when unknown.</param>
public sealed record FlowReply(string FlowId, FlowStatus? Flow);

/// <summary>Asks for the flows, newest first. Replies <see cref="FlowList"/>.</summary>
/// <param name="Limit">At most this many.</param>
public sealed record ListFlows(int Limit = 100) : IFlowCommand;

/// <summary>The reply to <see cref="ListFlows"/>.</summary>
/// <param name="Flows">The flows, newest first.</param>
public sealed record FlowList(IReadOnlyList<FlowStatus> Flows);

/// <summary>Cancels a flow: its waiting and running nodes' tasks are cancelled, its pending nodes never start. Replies <see cref="CancelFlowResult"/>.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Reason">Why, recorded with it.</param>
public sealed record CancelFlow(string FlowId, string? Reason = null) : IFlowCommand;

/// <summary>The reply to <see cref="CancelFlow"/>.</summary>
public abstract record CancelFlowResult;

/// <summary>The flow is cancelled (its nodes' tasks are being cancelled).</summary>
/// <param name="Flow">Its status.</param>
public sealed record FlowCancelRequested(FlowStatus Flow) : CancelFlowResult;

/// <summary>The flow cannot be cancelled: unknown, or already ended.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Reason">Why.</param>
/// <param name="Flow">Its status when it has ended; null when unknown.</param>
public sealed record FlowNotCancellable(string FlowId, string Reason, FlowStatus? Flow = null) : CancelFlowResult;

/// <summary>Where a flow stands.</summary>
public enum FlowState
{
    /// <summary>Some nodes have not ended.</summary>
    Running,

    /// <summary>Every node ended, none failing the flow.</summary>
    Completed,

    /// <summary>A node with <see cref="FlowFailurePolicy.FailFlow"/> failed.</summary>
    Failed,

    /// <summary>Cancelled.</summary>
    Cancelled,
}

/// <summary>Where a flow's node stands.</summary>
public enum FlowNodeState
{
    /// <summary>Waiting for its dependencies.</summary>
    Pending,

    /// <summary>Its task is in the queue, waiting for a slot (or for its retry).</summary>
    Queued,

    /// <summary>Its task runs.</summary>
    Running,

    /// <summary>Its task completed; its result is kept.</summary>
    Completed,

    /// <summary>Its task failed for good.</summary>
    Failed,

    /// <summary>Not run: a dependency failed (with <see cref="FlowFailurePolicy.SkipDependents"/>) or was itself skipped.</summary>
    Skipped,

    /// <summary>Cancelled with its flow (or its task was cancelled on its own).</summary>
    Cancelled,
}

/// <summary>One node of a flow's status.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its task type.</param>
/// <param name="State">Where it stands.</param>
/// <param name="TaskId">Its task, once submitted.</param>
/// <param name="Result">Its task's result, once completed.</param>
/// <param name="Error">Its task's error, once failed; or why it was skipped or cancelled.</param>
/// <param name="DependsOn">The nodes it depends on.</param>
/// <param name="OnFailure">What its failure does.</param>
public sealed record FlowNodeStatus(string Name, string Type, FlowNodeState State, string? TaskId, object? Result, TaskError? Error, IReadOnlyList<string> DependsOn,
    FlowFailurePolicy OnFailure);

/// <summary>A flow's status.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name, if given.</param>
/// <param name="State">Where it stands.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Reason">Why it failed or was cancelled.</param>
/// <param name="Nodes">Its nodes, in the order given.</param>
public sealed record FlowStatus(string Id, string? Name, FlowState State, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? Reason, IReadOnlyList<FlowNodeStatus> Nodes);

/// <summary>An event of one flow, published on the event stream.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Timestamp">When.</param>
public abstract record FlowEvent(string FlowId, DateTimeOffset Timestamp);

/// <summary>A flow was accepted.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Name">Its name, if given.</param>
/// <param name="Nodes">How many nodes it has.</param>
/// <param name="Timestamp">When.</param>
public sealed record FlowStarted(string FlowId, string? Name, int Nodes, DateTimeOffset Timestamp) : FlowEvent(FlowId, Timestamp);

/// <summary>A node's state changed.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Node">The node.</param>
/// <param name="State">Its new state.</param>
/// <param name="TaskId">Its task, once submitted.</param>
/// <param name="Timestamp">When.</param>
public sealed record FlowNodeChanged(string FlowId, string Node, FlowNodeState State, string? TaskId, DateTimeOffset Timestamp) : FlowEvent(FlowId, Timestamp);

/// <summary>A flow ended.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="State">How.</param>
/// <param name="Reason">Why it failed or was cancelled.</param>
/// <param name="Timestamp">When.</param>
public sealed record FlowEnded(string FlowId, FlowState State, string? Reason, DateTimeOffset Timestamp) : FlowEvent(FlowId, Timestamp);
