using System.Text.Json;
using Actors.Durability;
using Actors.Tasks;
using Akka.Actor;
using Akka.Event;

namespace Actors.Orchestration;

// Durability: with a journal, the flows are kept as one checkpoint (the running flows and the last finished ones),
// saved after changes (coalesced: one save at a time, the newest state next). A new flow is acknowledged only once
// a checkpoint holding it is stored. After a restart, each running flow's nodes that were submitted are submitted
// again with the same idempotency key, which gets their first task (ended or not): no completed node runs again.
internal sealed partial class FlowManagerActor
{
    private readonly bool _durable;
    private IActorRef? _journal;
    private bool _checkpointDue;

    private void StartJournal()
    {
        if (!_durable)
        {
            return;
        }

        _journal = Context.ActorOf(CheckpointJournal.Props("actors-flows"), "journal");
        Common.Recovery.Begin(Context, this, message =>
        {
            if (message is not CheckpointRecovered recovered)
            {
                return false;
            }

            Restore(recovered.Checkpoint as FlowsCheckpointV1);
            Common.Recovery.End(Context, this);
            return true;
        });
    }

    /// <summary>Saves a checkpoint once the messages already in the mailbox have been handled.</summary>
    private void CheckpointSoon()
    {
        if (_journal is null || _checkpointDue)
        {
            return;
        }

        _checkpointDue = true;
        Self.Tell(CheckpointDue.Instance);
    }

    private void SaveCheckpoint()
    {
        _checkpointDue = false;
        if (_journal is null)
        {
            return;
        }

        var finished = _finished.Reverse().Take(_settings.StoredFinished).ToHashSet(StringComparer.Ordinal);
        var flows = _flows.Values.Where(f => f.State == FlowState.Running || finished.Contains(f.Id)).OrderBy(f => f.Number).Select(Stored).ToList();
        _journal.Tell(new FlowsCheckpointV1(_nextId, flows));
    }

    private FlowV1 Stored(FlowRun flow) => new(flow.Id, flow.Number, flow.Name, flow.CreatedAt, flow.State, flow.EndedAt, flow.Reason, flow.Nodes.Select((node, i) =>
    {
        var run = flow.Runs[i];
        run.StoredInput ??= JsonSerializer.SerializeToElement(run.Input, _types.Find(node.Type)?.InputType ?? typeof(object), FlowJson.Options);
        run.StoredResult ??= run.Result is null ? null : JsonSerializer.SerializeToElement(run.Result, run.Result.GetType(), FlowJson.Options);
        return new FlowNodeV1(node.Name, node.Type, run.StoredInput, flow.Graph.DependsOn[i].ToList(), node.Priority, node.OnFailure, run.State, run.TaskId, run.StoredResult,
            run.Error);
    }).ToList());

    /// <summary>Rebuilds the flows from the checkpoint and resumes the running ones.</summary>
    private void Restore(FlowsCheckpointV1? checkpoint)
    {
        if (checkpoint is null)
        {
            return;
        }

        _nextId = checkpoint.NextId;
        var resumed = new List<FlowRun>();
        foreach (var stored in checkpoint.Flows)
        {
            var nodes = stored.Nodes.Select(n => new FlowNode(n.Name, n.Type, null, n.DependsOn, n.Priority, n.OnFailure)).ToArray();
            var graph = DependencyGraph.Build(nodes.Select(n => n.Name).ToList(), nodes.Select(n => n.DependsOn).ToList(), "flow node", out _)!;
            var inputs = stored.Nodes.Select(n => Read(n.Input, _types.Find(n.Type)?.InputType)).ToArray();
            var flow = new FlowRun(stored.Id, stored.Number, stored.Name, stored.CreatedAt, graph, nodes, inputs)
            {
                State = stored.State, EndedAt = stored.EndedAt, Reason = stored.Reason,
            };
            for (var i = 0; i < nodes.Length; i++)
            {
                var (run, node) = (flow.Runs[i], stored.Nodes[i]);
                (run.State, run.TaskId, run.Error, run.StoredInput, run.StoredResult) = (node.State, node.TaskId, node.Error, node.Input, node.Result);
                run.Result = node.Result;
                if (run.IsTerminal)
                {
                    flow.Unended--;
                    foreach (var dependent in graph.Dependents[i])
                    {
                        flow.Waiting[dependent]--;
                    }
                }
            }

            _flows.Add(flow.Id, flow);
            if (flow.State == FlowState.Running)
            {
                resumed.Add(flow);
            }
            else
            {
                _finished.Enqueue(flow.Id);
            }
        }

        foreach (var flow in resumed)
        {
            Resume(flow);
        }

        _log.Info("Restored {0} flows from the journal; {1} running go on", checkpoint.Flows.Count, resumed.Count);
    }

    /// <summary>Submits again what was submitted (getting the same tasks) and what became ready just before the stop.</summary>
    private void Resume(FlowRun flow)
    {
        if (flow.Unended == 0)
        {
            Finish(flow, FlowState.Completed, null);
            return;
        }

        for (var i = 0; i < flow.Runs.Length; i++)
        {
            var run = flow.Runs[i];
            if (run.State is FlowNodeState.Queued or FlowNodeState.Running || run.State == FlowNodeState.Pending && flow.Waiting[i] == 0)
            {
                // Submitted again under the same key: the queue hands back the same task, and its record assigns it again.
                (run.State, run.TaskId) = (FlowNodeState.Pending, null);
                if (BlockedBy(flow, i) is { } blocker)
                {
                    run.Error = new TaskError($"Skipped: node '{blocker}' it depends on did not complete.", TaskErrorClass.Fatal);
                    End(flow, i, FlowNodeState.Skipped);
                    Release(flow, i);
                }
                else
                {
                    Submit(flow, i);
                }
            }
        }

        if (flow.Unended == 0 && flow.State == FlowState.Running)
        {
            Finish(flow, FlowState.Completed, null);
        }
    }

    private static object? Read(JsonElement? json, Type? type) =>
        json is { ValueKind: not JsonValueKind.Null } value && type is not null && type != typeof(object) ? value.Deserialize(type, FlowJson.Options) : json;

    /// <summary>Time to save the flows' checkpoint.</summary>
    private sealed record CheckpointDue
    {
        public static readonly CheckpointDue Instance = new();
    }
}

/// <summary>The flows' checkpoint: the next id, the running flows and the last finished ones.</summary>
[StoredAs("flows.checkpoint.v1", Large = true)]
internal sealed record FlowsCheckpointV1(long NextId, IReadOnlyList<FlowV1> Flows) : IStored;

/// <summary>One flow in the checkpoint.</summary>
internal sealed record FlowV1(string Id, long Number, string? Name, DateTimeOffset CreatedAt, FlowState State, DateTimeOffset? EndedAt, string? Reason, IReadOnlyList<FlowNodeV1> Nodes);

/// <summary>One node in the checkpoint, its input and result as JSON.</summary>
internal sealed record FlowNodeV1(string Name, string Type, JsonElement? Input, IReadOnlyList<string> DependsOn, int Priority, FlowFailurePolicy OnFailure, FlowNodeState State,
    string? TaskId, JsonElement? Result, TaskError? Error);
