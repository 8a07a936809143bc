using System.Text.Json;
using Actors.Tasks;
using Akka.Actor;
using Akka.Event;

namespace Actors.Orchestration;

/// <summary>
/// Runs flows: owns every flow's state, submits each node's task to the queue once its dependencies have ended (with an
/// idempotency key of the flow and node, so a node submitted again after a restart gets its first task, never a second
/// one), watches the tasks, and applies the failure policies. With a journal, keeps a checkpoint of its flows.
/// </summary>
internal sealed partial class FlowManagerActor : UntypedActor, IWithUnboundedStash, IWithTimers
{
    internal const int MaxNodes = 1_000;
    internal const int MaxNameLength = 100;

    private readonly IActorRef _queue;
    private readonly FlowSettings _settings;
    private readonly TaskTypes _types;
    private readonly Dictionary<string, FlowRun> _flows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (FlowRun Flow, int Node)> _byTask = new(StringComparer.Ordinal);
    private readonly Queue<string> _finished = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextId;

    public FlowManagerActor(IActorRef queue, FlowSettings settings, bool durable)
    {
        (_queue, _settings, _durable) = (queue, settings, durable);
        _types = TaskTypes.For(Context.System);
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef queue, FlowSettings settings, bool durable) => Akka.Actor.Props.Create(() => new FlowManagerActor(queue, settings, durable));

    protected override void PreStart() => StartJournal();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartFlow start:
                Start(start);
                break;
            case FlowStored stored:
                OnStored(stored);
                break;
            case NodeSubmitted submitted:
                OnSubmitted(submitted);
                break;
            case SubmitNodeAgain again:
                if (_flows.TryGetValue(again.FlowId, out var waiting) && waiting.State == FlowState.Running && waiting.Runs[again.Node].State == FlowNodeState.Queued)
                {
                    SubmitAsking(waiting, again.Node);
                }

                break;
            case TaskRecordReply reply:
                OnRecord(reply.TaskId, reply.Record);
                break;
            case SubmitAccepted:
                // Its watch brings the record, which names the node (the reply does not).
                break;
            case SubmitCompleted completed:
                OnRecord(completed.Record.Id, completed.Record);
                break;
            case SubmitRejected rejected:
                // A reply without the node it is about: each node still without a task is submitted again, one by one, asking.
                _log.Warning("The task queue refused a node's task ({0}); nodes without a task are submitted again in 1 s", rejected.Reason);
                Timers.StartSingleTimer(ResubmitUnassigned.Instance, ResubmitUnassigned.Instance, TimeSpan.FromSeconds(1));
                break;
            case ResubmitUnassigned:
                foreach (var flow in _flows.Values.Where(f => f.State == FlowState.Running))
                {
                    for (var i = 0; i < flow.Runs.Length; i++)
                    {
                        if (flow.Runs[i] is { State: FlowNodeState.Queued, TaskId: null })
                        {
                            SubmitAsking(flow, i);
                        }
                    }
                }

                break;
            case TaskEvent taskEvent:
                OnTaskEvent(taskEvent);
                break;
            case GetFlow get:
                Sender.Tell(new FlowReply(get.FlowId, _flows.GetValueOrDefault(get.FlowId ?? string.Empty)?.Status()));
                break;
            case ListFlows list:
                Sender.Tell(new FlowList(_flows.Values.OrderByDescending(f => f.Number).Take(Math.Max(0, list.Limit)).Select(f => f.Status()).ToList()));
                break;
            case CancelFlow cancel:
                Cancel(cancel);
                break;
            case CheckpointDue:
                SaveCheckpoint();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start(StartFlow start)
    {
        if (Problem(start, out var graph, out var inputs) is { } problem)
        {
            Sender.Tell(new FlowRejected(problem));
            return;
        }

        var number = ++_nextId;
        var flow = new FlowRun($"flow-{number}", number, start.Name, Now, graph!, start.Nodes.ToArray(), inputs);
        _flows.Add(flow.Id, flow);
        if (_journal is null)
        {
            Begin(flow, Sender);
            return;
        }

        // Stored before it is acknowledged or any node is submitted: a flow the caller was told of survives a crash, and no task runs for one that was not.
        SaveCheckpoint();
        var (id, replyTo) = (flow.Id, Sender);
        _journal.Ask<Durability.CheckpointsSaved>(Durability.ConfirmWhenSaved.Instance, _settings.AskTimeout)
            .PipeTo(Self, success: saved => new FlowStored(id, replyTo, saved.Stored), failure: _ => new FlowStored(id, replyTo, false));
    }

    private void OnStored(FlowStored stored)
    {
        if (!_flows.TryGetValue(stored.FlowId, out var flow))
        {
            return;
        }

        if (!stored.Stored)
        {
            _flows.Remove(flow.Id);
            stored.ReplyTo.Tell(new FlowRejected("The flow could not be stored in the journal; nothing of it runs. Try again."));
            return;
        }

        Begin(flow, stored.ReplyTo);
    }

    /// <summary>The flow is accepted: announced, and its nodes without dependencies submitted.</summary>
    private void Begin(FlowRun flow, IActorRef replyTo)
    {
        replyTo.Tell(new FlowAccepted(flow.Id));
        Publish(new FlowStarted(flow.Id, flow.Name, flow.Nodes.Length, Now));
        for (var i = 0; i < flow.Nodes.Length; i++)
        {
            if (flow.Graph.Dependencies[i] == 0)
            {
                Submit(flow, i);
            }
        }
    }

    /// <summary>Submits a node's task (again, after a restart: the idempotency key gets the same task).</summary>
    private void Submit(FlowRun flow, int index)
    {
        var node = flow.Nodes[index];
        SetState(flow, index, FlowNodeState.Queued);

        // Watched from its acceptance: the record that comes then names the node by its idempotency key.
        _queue.Tell(new SubmitTask(node.Type, flow.Runs[index].Input, node.Priority, IdempotencyKey: KeyOf(flow, index), Upstream: UpstreamOf(flow, index), Watcher: Self));
    }

    /// <summary>The results of the node's completed dependencies, by name; null when there are none.</summary>
    private static Dictionary<string, object?>? UpstreamOf(FlowRun flow, int index)
    {
        Dictionary<string, object?>? upstream = null;
        foreach (var dependency in flow.Graph.DependsOn[index])
        {
            var on = flow.Runs[flow.Graph.Index[dependency]];
            if (on.State == FlowNodeState.Completed)
            {
                (upstream ??= new Dictionary<string, object?>(StringComparer.Ordinal))[dependency] = on.Result;
            }
        }

        return upstream;
    }

    private static string KeyOf(FlowRun flow, int index) => $"{flow.Id}:{flow.Nodes[index].Name}";

    /// <summary>Submits a node's task asking, so that the answer (a refusal included) is known to be about this node.</summary>
    private void SubmitAsking(FlowRun flow, int index)
    {
        var node = flow.Nodes[index];
        var submit = new SubmitTask(node.Type, flow.Runs[index].Input, node.Priority, IdempotencyKey: KeyOf(flow, index), Upstream: UpstreamOf(flow, index));
        var (flowId, self) = (flow.Id, Self);
        _queue.Ask<SubmitResult>(submit, _settings.AskTimeout).PipeTo(self, success: result => new NodeSubmitted(flowId, index, result),
            failure: e => new NodeSubmitted(flowId, index, new SubmitRejected(SubmitRejection.ShuttingDown, $"The task queue did not answer ({e.GetBaseException().Message}).")));
    }

    private void OnSubmitted(NodeSubmitted submitted)
    {
        if (!_flows.TryGetValue(submitted.FlowId, out var flow) || flow.Runs[submitted.Node].State is not FlowNodeState.Queued)
        {
            return;
        }

        var run = flow.Runs[submitted.Node];
        switch (submitted.Result)
        {
            case SubmitAccepted accepted:
                Watch(flow, submitted.Node, accepted.TaskId);
                break;
            case SubmitCompleted completed:
                run.TaskId = completed.Record.Id;
                Ended(flow, submitted.Node, completed.Record.Status, completed.Record.Result, completed.Record.Error);
                break;
            case SubmitRejected { Kind: SubmitRejection.QueueFull or SubmitRejection.ShuttingDown } busy:
                // The queue is full, shutting down or not answering: the node stays queued and is submitted again in a second.
                _log.Warning("Flow {0} node '{1}' was not taken ({2}); it is submitted again in 1 s", flow.Id, flow.Nodes[submitted.Node].Name, busy.Reason);
                Timers.StartSingleTimer((flow.Id, submitted.Node), new SubmitNodeAgain(flow.Id, submitted.Node), TimeSpan.FromSeconds(1));
                break;
            case SubmitRejected rejected:
                Ended(flow, submitted.Node, TaskState.Failed, null, new TaskError($"The task queue refused the node's task: {rejected.Reason}", TaskErrorClass.Fatal));
                break;
        }
    }

    private void Watch(FlowRun flow, int index, string taskId, bool watching = false)
    {
        flow.Runs[index].TaskId = taskId;
        _byTask[taskId] = (flow, index);
        if (!watching)
        {
            _queue.Tell(new WatchTask(taskId, Self));
        }

        if (flow.State != FlowState.Running)
        {
            // Accepted after its flow ended: cancelled at once; the watch still brings its end.
            _queue.Tell(new CancelTask(taskId, flow.Reason));
        }

        CheckpointSoon();
    }

    private void OnRecord(string taskId, TaskRecord? record)
    {
        if (!_byTask.TryGetValue(taskId, out var at) && !TryAssign(taskId, record, out at))
        {
            return;
        }

        switch (record)
        {
            case null:
                Ended(at.Flow, at.Node, TaskState.Failed, null, new TaskError($"The task queue no longer knows task {taskId}.", TaskErrorClass.Fatal));
                break;
            case { IsTerminal: true } ended:
                Ended(at.Flow, at.Node, ended.Status, ended.Result, ended.Error);
                break;
            case { Status: TaskState.Running }:
                SetState(at.Flow, at.Node, FlowNodeState.Running);
                break;
        }
    }

    /// <summary>A record from a submit's watch: its idempotency key (<c>flow:node</c>) names the node that now has this task.</summary>
    private bool TryAssign(string taskId, TaskRecord? record, out (FlowRun Flow, int Node) at)
    {
        at = default;
        if (record?.IdempotencyKey is not { } key || key.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon)
            || !_flows.TryGetValue(key[..colon], out var flow) || !flow.Graph.Index.TryGetValue(key[(colon + 1)..], out var index)
            || flow.Runs[index] is not { State: FlowNodeState.Queued, TaskId: null })
        {
            return false;
        }

        Watch(flow, index, taskId, watching: true);
        at = (flow, index);
        return true;
    }

    private void OnTaskEvent(TaskEvent taskEvent)
    {
        if (!_byTask.TryGetValue(taskEvent.TaskId, out var at))
        {
            return;
        }

        switch (taskEvent)
        {
            case TaskStarted:
                SetState(at.Flow, at.Node, FlowNodeState.Running);
                break;
            case TaskFailed { IsFinal: false }:
                SetState(at.Flow, at.Node, FlowNodeState.Queued);
                break;
            case TaskFailed failed:
                Ended(at.Flow, at.Node, TaskState.Failed, null, failed.Error);
                break;
            case TaskCompleted completed:
                Ended(at.Flow, at.Node, TaskState.Completed, completed.Result, null);
                break;
            case TaskCancelled cancelled:
                Ended(at.Flow, at.Node, TaskState.Cancelled, null, new TaskError(cancelled.Reason ?? "The node's task was cancelled.", TaskErrorClass.Fatal));
                break;
        }
    }

    /// <summary>A node's task has ended: its dependents are released (run or skipped), or the flow fails, by its policy.</summary>
    private void Ended(FlowRun flow, int index, TaskState status, object? result, TaskError? error)
    {
        var run = flow.Runs[index];
        if (run.TaskId is { } taskId)
        {
            _byTask.Remove(taskId);
        }

        if (run.IsTerminal)
        {
            return;
        }

        run.Result = result;
        run.Error = error;
        End(flow, index, status switch
        {
            TaskState.Completed => FlowNodeState.Completed,
            TaskState.Failed => FlowNodeState.Failed,
            _ => FlowNodeState.Cancelled,
        });
        if (flow.State != FlowState.Running)
        {
            // The flow has already failed or been cancelled: this is one of its nodes winding down.
            return;
        }

        if (run.State == FlowNodeState.Failed && flow.Nodes[index].OnFailure == FlowFailurePolicy.FailFlow)
        {
            Finish(flow, FlowState.Failed, $"Node '{flow.Nodes[index].Name}' failed: {error?.Message}");
            return;
        }

        Release(flow, index);
        if (flow.Unended == 0)
        {
            Finish(flow, FlowState.Completed, null);
        }
    }

    /// <summary>A node has ended: each dependent whose dependencies have all ended runs, or is skipped (and releases its own).</summary>
    private void Release(FlowRun flow, int index)
    {
        foreach (var dependent in flow.Graph.Dependents[index])
        {
            if (--flow.Waiting[dependent] > 0)
            {
                continue;
            }

            if (BlockedBy(flow, dependent) is { } blocker)
            {
                flow.Runs[dependent].Error = new TaskError($"Skipped: node '{blocker}' it depends on did not complete.", TaskErrorClass.Fatal);
                End(flow, dependent, FlowNodeState.Skipped);
                Release(flow, dependent);
            }
            else
            {
                Submit(flow, dependent);
            }
        }
    }

    /// <summary>The dependency that keeps a node from running (skipped, cancelled, or failed without <see cref="FlowFailurePolicy.Continue"/>); null if none.</summary>
    private static string? BlockedBy(FlowRun flow, int index) => flow.Graph.DependsOn[index].FirstOrDefault(name =>
    {
        var on = flow.Graph.Index[name];
        return flow.Runs[on].State switch
        {
            FlowNodeState.Completed => false,
            FlowNodeState.Failed => flow.Nodes[on].OnFailure != FlowFailurePolicy.Continue,
            _ => true,
        };
    });

    private void Cancel(CancelFlow cancel)
    {
        if (!_flows.TryGetValue(cancel.FlowId ?? string.Empty, out var flow))
        {
            Sender.Tell(new FlowNotCancellable(cancel.FlowId ?? string.Empty, $"No flow '{cancel.FlowId}' is known."));
            return;
        }

        if (flow.State != FlowState.Running)
        {
            Sender.Tell(new FlowNotCancellable(flow.Id, $"Flow '{flow.Id}' has already ended ({flow.State}).", flow.Status()));
            return;
        }

        Finish(flow, FlowState.Cancelled, cancel.Reason ?? "Cancelled.");
        Sender.Tell(new FlowCancelRequested(flow.Status()));
    }

    /// <summary>Ends the flow; if nodes have not ended, cancels their tasks (their ends still come in) and those never submitted.</summary>
    private void Finish(FlowRun flow, FlowState state, string? reason)
    {
        (flow.State, flow.Reason, flow.EndedAt) = (state, reason, Now);
        for (var i = 0; i < flow.Runs.Length; i++)
        {
            var run = flow.Runs[i];
            if (run.IsTerminal)
            {
                continue;
            }

            if (run.TaskId is { } taskId)
            {
                _queue.Tell(new CancelTask(taskId, reason));
            }
            else if (run.State == FlowNodeState.Pending)
            {
                run.Error = new TaskError($"Not run: the flow {(state == FlowState.Cancelled ? "was cancelled" : "failed")}.", TaskErrorClass.Fatal);
                End(flow, i, FlowNodeState.Cancelled);
            }
        }

        if (state == FlowState.Failed)
        {
            _log.Warning("Flow {0} failed: {1}", flow.Id, reason);
        }

        Publish(new FlowEnded(flow.Id, state, reason, Now));
        _finished.Enqueue(flow.Id);
        while (_finished.Count > _settings.KeepFinished && _finished.TryDequeue(out var oldest))
        {
            _flows.Remove(oldest);
        }

        CheckpointSoon();
    }

    private void SetState(FlowRun flow, int index, FlowNodeState state)
    {
        var run = flow.Runs[index];
        if (run.State == state || run.IsTerminal)
        {
            return;
        }

        run.State = state;
        Publish(new FlowNodeChanged(flow.Id, flow.Nodes[index].Name, state, run.TaskId, Now));
    }

    private void End(FlowRun flow, int index, FlowNodeState state)
    {
        SetState(flow, index, state);
        flow.Unended--;
        CheckpointSoon();
    }

    private void Publish(FlowEvent flowEvent) => Context.System.EventStream.Publish(flowEvent);

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>What is wrong with a flow, naming the node; null if nothing. Also the graph and each node's input (as its type's input type).</summary>
    private string? Problem(StartFlow start, out DependencyGraph? graph, out object?[] inputs)
    {
        graph = null;
        inputs = [];
        if (start.Nodes is not { Count: > 0 and <= MaxNodes } nodes)
        {
            return $"A flow has 1 to {MaxNodes} nodes; this one has {start.Nodes?.Count ?? 0}.";
        }

        if (nodes.Any(node => node is null))
        {
            return "A flow's nodes must not be null.";
        }

        inputs = new object?[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Name is { Length: > MaxNameLength })
            {
                return $"Node '{node.Name[..20]}…': a node's name is at most {MaxNameLength} characters.";
            }

            if (_types.Find(node.Type ?? string.Empty) is not { } definition)
            {
                return $"Node '{node.Name}': no task type '{node.Type}' is registered; known types: {string.Join(", ", _types.Names.Order(StringComparer.Ordinal))}.";
            }

            if (node.Priority is < TaskPriority.Lowest or > TaskPriority.Highest)
            {
                return $"Node '{node.Name}': priority must be from {TaskPriority.Lowest} to {TaskPriority.Highest}; it is {node.Priority}.";
            }

            string? invalid;
            try
            {
                invalid = definition.Validate(node.Input);
            }
            catch (Exception e)
            {
                invalid = $"the validator of '{definition.Type}' threw {e.GetType().Name}: {e.Message}";
            }

            if (invalid is not null)
            {
                return $"Node '{node.Name}': input: {invalid}";
            }

            inputs[i] = node.Input;
        }

        graph = DependencyGraph.Build(nodes.Select(n => n.Name).ToList(), nodes.Select(n => n.DependsOn).ToList(), "flow node", out var problem);
        return problem ?? (_journal is null ? null : StorableProblem(nodes));
    }

    /// <summary>With a journal, what keeps a node's input from being stored as JSON; null if all can be.</summary>
    private string? StorableProblem(IReadOnlyList<FlowNode> nodes)
    {
        foreach (var node in nodes)
        {
            try
            {
                JsonSerializer.SerializeToElement(node.Input, _types.Find(node.Type)!.InputType, FlowJson.Options);
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
            {
                return $"Node '{node.Name}': input: it cannot be stored as JSON ({e.Message}).";
            }
        }

        return null;
    }

    /// <summary>A flow, as the manager runs it.</summary>
    private sealed class FlowRun
    {
        public FlowRun(string id, long number, string? name, DateTimeOffset createdAt, DependencyGraph graph, FlowNode[] nodes, object?[] inputs)
        {
            (Id, Number, Name, CreatedAt, Graph, Nodes) = (id, number, name, createdAt, graph, nodes);
            Runs = inputs.Select(input => new NodeRun { Input = input }).ToArray();
            Waiting = (int[])graph.Dependencies.Clone();
            Unended = nodes.Length;
        }

        public string Id { get; }

        /// <summary>Its place in the order flows were accepted.</summary>
        public long Number { get; }

        public string? Name { get; }

        public DateTimeOffset CreatedAt { get; }

        public DependencyGraph Graph { get; }

        public FlowNode[] Nodes { get; }

        public NodeRun[] Runs { get; }

        /// <summary>For each node, how many of its dependencies have not ended.</summary>
        public int[] Waiting { get; }

        /// <summary>Nodes not ended.</summary>
        public int Unended { get; set; }

        public FlowState State { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        public string? Reason { get; set; }

        public FlowStatus Status() => new(Id, Name, State, CreatedAt, EndedAt, Reason, Nodes.Select((node, i) =>
            new FlowNodeStatus(node.Name, node.Type, Runs[i].State, Runs[i].TaskId, Runs[i].Result, Runs[i].Error, Graph.DependsOn[i], node.OnFailure)).ToList());
    }

    /// <summary>A node, as the manager runs it.</summary>
    private sealed class NodeRun
    {
        public FlowNodeState State { get; set; }

        public object? Input { get; init; }

        public string? TaskId { get; set; }

        public object? Result { get; set; }

        public TaskError? Error { get; set; }

        /// <summary>The input and result as stored (JSON), made once.</summary>
        public JsonElement? StoredInput { get; set; }

        public JsonElement? StoredResult { get; set; }

        public bool IsTerminal => State is FlowNodeState.Completed or FlowNodeState.Failed or FlowNodeState.Skipped or FlowNodeState.Cancelled;
    }

    /// <summary>The queue answered a node's submit.</summary>
    private sealed record NodeSubmitted(string FlowId, int Node, SubmitResult Result);

    /// <summary>The queue refused a submit: nodes still without a task are submitted again, asking.</summary>
    private sealed record ResubmitUnassigned
    {
        public static readonly ResubmitUnassigned Instance = new();
    }

    /// <summary>A node the queue could not take is submitted again.</summary>
    private sealed record SubmitNodeAgain(string FlowId, int Node);

    /// <summary>The checkpoint with a new flow is stored (or could not be).</summary>
    private sealed record FlowStored(string FlowId, IActorRef ReplyTo, bool Stored);
}

/// <summary>How flows store inputs and results as JSON.</summary>
internal static class FlowJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
