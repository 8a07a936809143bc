using Akka.Actor;

namespace Actors.Orchestration;

/// <summary>
/// Starts, follows and cancels flows (DAGs of tasks). A thin facade over the flow manager actor; the same can be done
/// with the messages in <c>FlowProtocol.cs</c>. Flow events (<see cref="FlowEvent"/>) are published on the event stream.
/// </summary>
public interface IFlowRunner
{
    /// <summary>The flow manager's actor, for message-driven use.</summary>
    IActorRef Manager { get; }

    /// <summary>Starts a flow: <see cref="FlowAccepted"/> with its id (once stored, with a journal), or <see cref="FlowRejected"/> naming what is wrong.</summary>
    Task<StartFlowResult> StartAsync(IReadOnlyList<FlowNode> nodes, string? name = null, CancellationToken cancellationToken = default);

    /// <summary>A flow's status, or null if unknown.</summary>
    Task<FlowStatus?> GetAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>The flows, newest first.</summary>
    Task<IReadOnlyList<FlowStatus>> ListAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Cancels a flow: <see cref="FlowCancelRequested"/>, or <see cref="FlowNotCancellable"/> when it is unknown or has ended.</summary>
    Task<CancelFlowResult> CancelAsync(string flowId, string? reason = null, CancellationToken cancellationToken = default);
}

/// <summary>The facade over a started flow manager.</summary>
internal sealed class FlowRunnerClient(IActorRef manager, TimeSpan askTimeout) : IFlowRunner
{
    public IActorRef Manager { get; } = manager;

    public Task<StartFlowResult> StartAsync(IReadOnlyList<FlowNode> nodes, string? name = null, CancellationToken cancellationToken = default) =>
        Manager.Ask<StartFlowResult>(new StartFlow(nodes, name), askTimeout, cancellationToken);

    public async Task<FlowStatus?> GetAsync(string flowId, CancellationToken cancellationToken = default) =>
        (await Manager.Ask<FlowReply>(new GetFlow(flowId), askTimeout, cancellationToken).ConfigureAwait(false)).Flow;

    public async Task<IReadOnlyList<FlowStatus>> ListAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        (await Manager.Ask<FlowList>(new ListFlows(limit), askTimeout, cancellationToken).ConfigureAwait(false)).Flows;

    public Task<CancelFlowResult> CancelAsync(string flowId, string? reason = null, CancellationToken cancellationToken = default) =>
        Manager.Ask<CancelFlowResult>(new CancelFlow(flowId, reason), askTimeout, cancellationToken);
}

/// <summary>The DI facade: the flow runner started in the actor system (by <c>WithFlows</c>).</summary>
internal sealed class RegisteredFlowRunner(ActorSystem system) : IFlowRunner
{
    private IFlowRunner Started => Common.StartedFacade<IFlowRunner>.Get(system, "Add akka.WithFlows() after WithTaskQueue(...).");

    public IActorRef Manager => Started.Manager;

    public Task<StartFlowResult> StartAsync(IReadOnlyList<FlowNode> nodes, string? name = null, CancellationToken cancellationToken = default) =>
        Started.StartAsync(nodes, name, cancellationToken);

    public Task<FlowStatus?> GetAsync(string flowId, CancellationToken cancellationToken = default) => Started.GetAsync(flowId, cancellationToken);

    public Task<IReadOnlyList<FlowStatus>> ListAsync(int limit = 100, CancellationToken cancellationToken = default) => Started.ListAsync(limit, cancellationToken);

    public Task<CancelFlowResult> CancelAsync(string flowId, string? reason = null, CancellationToken cancellationToken = default) =>
        Started.CancelAsync(flowId, reason, cancellationToken);
}
