using System.Text.Json;
using Actors.Orchestration;
using Actors.Tasks;
using Akka.Actor;

namespace Actors.Host.Api;

/// <summary><c>/api/flows</c>: start, follow and cancel flows (DAGs of tasks).</summary>
internal static class FlowEndpoints
{
    public static void MapFlowEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/flows", StartAsync).WithTags("Flows").WithSummary("Start a flow: 202 with its id; 400 naming a cycle, an unknown type or dependency, or a bad input")
            .Accepts<FlowBody>("application/json").Produces<FlowAcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(400).ProducesProblem(413).ProducesProblem(503);
        api.MapGet("/flows/{id}", GetAsync).WithTags("Flows").WithSummary("A flow's status, with each node's state, task and result").Produces<FlowStatus>().ProducesProblem(404);
        api.MapGet("/flows", ListAsync).WithTags("Flows").WithSummary("Flows, newest first").Produces<FlowStatus[]>().ProducesProblem(400);
        api.MapDelete("/flows/{id}", CancelAsync).WithTags("Flows").WithSummary("Cancel a flow: its nodes' tasks are cancelled, its pending nodes never run")
            .Produces<FlowStatus>().ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> StartAsync(HttpRequest request, TaskCatalog catalog, IFlowRunner flows, JsonBody reader, IConfiguration configuration,
        CancellationToken cancellationToken)
    {
        if (OnACluster(configuration) is { } notHere)
        {
            return notHere;
        }

        var (body, problem) = await reader.ReadAsync<FlowBody>(request, "body", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body?.Nodes is not { Count: > 0 and <= Flows.MaxNodes } nodes)
        {
            return Problems.BadRequest($"The body is {{ \"name\": ..., \"nodes\": [ {{ \"name\", \"type\", \"input\", \"dependsOn\": [...], \"priority\", \"onFailure\" }} ] }} with 1 to {Flows.MaxNodes} nodes.", "nodes");
        }

        var flowNodes = new List<FlowNode>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node is null || string.IsNullOrWhiteSpace(node.Name) || string.IsNullOrWhiteSpace(node.Type))
            {
                return Problems.BadRequest($"Node #{i + 1} needs a 'name' and a 'type'.", $"nodes[{i}]");
            }

            if (!catalog.TryGet(node.Type, out var definition))
            {
                return Problems.BadRequest($"Node '{node.Name}': there is no task type '{node.Type}'. GET /api/task-types lists them.", $"nodes[{i}].type");
            }

            var input = node.Input is { } raw ? JsonBody.Bind(raw, definition.InputType, $"nodes[{i}].input", out problem) : null;
            if (problem is not null)
            {
                return problem;
            }

            flowNodes.Add(new FlowNode(node.Name, node.Type, input, node.DependsOn, node.Priority ?? TaskPriority.Default, node.OnFailure ?? FlowFailurePolicy.FailFlow));
        }

        return await Ask(() => flows.StartAsync(flowNodes, body.Name, cancellationToken)) switch
        {
            FlowAccepted accepted => Results.Accepted($"/api/flows/{accepted.FlowId}",
                new FlowAcceptedView(accepted.FlowId, $"/api/flows/{accepted.FlowId}", $"/api/events?flow={accepted.FlowId}")),
            FlowRejected rejected => Problems.BadRequest(rejected.Reason, "nodes"),
            _ => Problems.Unavailable("The flow manager is not answering; the service may be shutting down."),
        };
    }

    private static async Task<IResult> GetAsync(string id, IFlowRunner flows, IConfiguration configuration, CancellationToken cancellationToken) =>
        OnACluster(configuration) ?? (await Ask(() => flows.GetAsync(id, cancellationToken)) is { } flow
            ? Results.Ok(flow)
            : Problems.NotFound($"There is no flow '{id}' (finished flows are kept for a while, then forgotten)."));

    private static async Task<IResult> ListAsync(int? limit, IFlowRunner flows, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (OnACluster(configuration) is { } notHere)
        {
            return notHere;
        }

        if (limit is < 1 or > 1_000)
        {
            return Problems.BadRequest("'limit' must be from 1 to 1000.", "limit");
        }

        return await Ask(() => flows.ListAsync(limit ?? 100, cancellationToken)) is { } list ? Results.Ok(list) : Problems.Unavailable("The flow manager is not answering.");
    }

    private static async Task<IResult> CancelAsync(string id, IFlowRunner flows, IConfiguration configuration, CancellationToken cancellationToken) =>
        OnACluster(configuration) ?? (await Ask(() => flows.CancelAsync(id, "cancelled through the API", cancellationToken)) switch
        {
            FlowCancelRequested requested => Results.Ok(requested.Flow),
            FlowNotCancellable { Flow: null } refused => Problems.NotFound(refused.Reason),
            FlowNotCancellable refused => Problems.Conflict(refused.Reason),
            _ => Problems.Unavailable("The flow manager is not answering."),
        });

    /// <summary>On a cluster, flows are not run (yet): 501, saying so.</summary>
    private static IResult? OnACluster(IConfiguration configuration) => ClusterSettings.From(configuration).Enabled
        ? Results.Problem(statusCode: StatusCodes.Status501NotImplemented, title: "Not on a cluster",
            detail: "Flows run on a service without a cluster for now; this node is a cluster member. Submit the tasks one by one, or run flows on a single node.")
        : null;

    /// <summary>Asks the flow manager; one that no longer answers (shutting down) reads as null.</summary>
    private static async Task<T?> Ask<T>(Func<Task<T>> ask)
    {
        try
        {
            return await ask();
        }
        catch (AskTimeoutException)
        {
            return default;
        }
    }
}

/// <summary>The body of <c>POST /api/flows</c>.</summary>
/// <param name="Name">A name for people, if any.</param>
/// <param name="Nodes">The nodes, 1 to 1,000.</param>
public sealed record FlowBody(string? Name, IReadOnlyList<FlowNodeBody>? Nodes);

/// <summary>One node of <c>POST /api/flows</c>.</summary>
/// <param name="Name">Unique in the flow.</param>
/// <param name="Type">The task type.</param>
/// <param name="Input">The task's input, as its type describes it.</param>
/// <param name="DependsOn">The nodes that must end first.</param>
/// <param name="Priority">1 to 10; 5 by default.</param>
/// <param name="OnFailure"><c>failFlow</c> (the default), <c>skipDependents</c> or <c>continue</c>.</param>
public sealed record FlowNodeBody(string? Name, string? Type, JsonElement? Input, IReadOnlyList<string>? DependsOn, int? Priority, FlowFailurePolicy? OnFailure);

/// <summary>A flow that goes on in the background: where to follow it.</summary>
public sealed record FlowAcceptedView(string Id, string Location, string Events);
