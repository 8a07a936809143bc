using Actors.Tasks;
using Akka.Actor;

namespace Actors.Host.Api;

/// <summary><c>/api/tasks</c>: submit, get, list and cancel background tasks; <c>/api/task-types</c>.</summary>
internal static class TaskEndpoints
{
    private const int MaxWaitMs = 60_000;

    private const string IdempotencyKeyHeader = "Idempotency-Key";

    public static void MapTaskEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/tasks/{type}", SubmitAsync).WithTags("Tasks").WithSummary("Submit a task: 200 with its result if it ends within waitMs, else 202 with its id")
            .Accepts<SubmitBody>("application/json").Produces<TaskView>().Produces<TaskAcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(422).ProducesProblem(429).ProducesProblem(503);
        api.MapGet("/tasks/{id}", GetAsync).WithTags("Tasks").WithSummary("A task's record").Produces<TaskView>().ProducesProblem(404);
        api.MapGet("/tasks", ListAsync).WithTags("Tasks").WithSummary("Tasks, newest first, optionally by status").Produces<TaskView[]>().ProducesProblem(400);
        api.MapPost("/tasks/{id}/retry", RetryAsync).WithTags("Tasks").WithSummary("Run a failed or cancelled task again, as a new task with the same type, input and priority")
            .Produces<TaskAcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409).ProducesProblem(429).ProducesProblem(503);
        api.MapDelete("/tasks/{id}", CancelAsync).WithTags("Tasks").WithSummary("Cancel a task").Produces<TaskView>().ProducesProblem(404).ProducesProblem(409);
        api.MapGet("/task-types", ListTypesAsync).WithTags("Tasks").WithSummary("The task types this service runs, their policies and how each fares now")
            .Produces<TaskTypeView[]>();
    }

    private static async Task<IResult> ListTypesAsync(TaskCatalog catalog, ITaskQueue queue, CancellationToken cancellationToken)
    {
        var health = await TaskTypesHealthCheck.TryGetAsync(queue, cancellationToken);
        return Results.Ok(catalog.Definitions.Select(definition => TaskTypeView.Of(definition,
            health?.FirstOrDefault(h => h.Type == definition.Type && h.Key is null), health?.Where(h => h.Type == definition.Type && h.Key is not null).ToList() ?? [])));
    }

    private static async Task<IResult> SubmitAsync(string type, HttpRequest request, TaskCatalog catalog, ITaskQueue queue, JsonBody reader, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(type, out var definition))
        {
            return Problems.NotFound($"There is no task type '{type}'. GET /api/task-types lists them.");
        }

        var (json, problem) = await reader.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var body = json is { } element ? (SubmitBody?)JsonBody.Bind(element, typeof(SubmitBody), "body", out problem) : new SubmitBody(null, null, null);
        if (problem is not null || body is null)
        {
            return problem ?? Problems.BadRequest("The body must be a JSON object: { \"input\": ..., \"priority\": 5, \"waitMs\": 0 }.", "body");
        }

        if (body.Priority is < TaskPriority.Lowest or > TaskPriority.Highest)
        {
            return Problems.BadRequest($"'priority' must be from {TaskPriority.Lowest} to {TaskPriority.Highest}.", "priority");
        }

        if (body.WaitMs is < 0 or > MaxWaitMs)
        {
            return Problems.BadRequest($"'waitMs' must be from 0 to {MaxWaitMs}.", "waitMs");
        }

        var input = body.Input is { } raw ? JsonBody.Bind(raw, definition.InputType, "input", out problem) : null;
        if (problem is not null)
        {
            return problem;
        }

        var (idempotencyKey, keyProblem) = IdempotencyKey(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }

        return Answer(await Ask(() => queue.SubmitAsync(type, input, body.Priority ?? TaskPriority.Default, TimeSpan.FromMilliseconds(body.WaitMs ?? 0),
            idempotencyKey, cancellationToken: cancellationToken)));
    }

    private static async Task<IResult> RetryAsync(string id, ITaskQueue queue, CancellationToken cancellationToken) =>
        Answer(await Ask(() => queue.RetryAsync(id, cancellationToken)));

    /// <summary>The answer to a submit (or a retry, which submits anew).</summary>
    private static IResult Answer(SubmitResult? result) =>
        result switch
        {
            SubmitCompleted completed => Results.Ok(TaskView.Of(completed.Record)),
            SubmitAccepted accepted => Results.Accepted($"/api/tasks/{accepted.TaskId}", new TaskAcceptedView(accepted.TaskId, $"/api/tasks/{accepted.TaskId}", $"/api/events?task={accepted.TaskId}")),
            SubmitRejected { Kind: SubmitRejection.UnknownType or SubmitRejection.UnknownTask } rejected => Problems.NotFound(rejected.Reason),
            SubmitRejected { Kind: SubmitRejection.NotRetryable } rejected => Problems.Conflict(rejected.Reason),
            SubmitRejected { Kind: SubmitRejection.InvalidInput } rejected => Problems.BadRequest(rejected.Reason, "input"),
            SubmitRejected { Kind: SubmitRejection.QueueFull } rejected => Problems.TooManyRequests(rejected.Reason),
            SubmitRejected { Kind: SubmitRejection.IdempotencyConflict } rejected => Problems.Unprocessable(rejected.Reason, IdempotencyKeyHeader),
            SubmitRejected rejected => Problems.Unavailable(rejected.Reason),
            _ => Problems.Unavailable("The task queue is not answering; the service may be shutting down."),
        };

    /// <summary>The <c>Idempotency-Key</c> header: absent, or one value of 1 to 200 characters.</summary>
    private static (string? Key, IResult? Problem) IdempotencyKey(HttpRequest request)
    {
        var values = request.Headers[IdempotencyKeyHeader];
        return values.Count switch
        {
            0 => (null, null),
            > 1 => (null, Problems.BadRequest($"Send one {IdempotencyKeyHeader} header; this request has {values.Count}.", IdempotencyKeyHeader)),
            _ when string.IsNullOrWhiteSpace(values[0]) || values[0]!.Length > TaskQueueLimits.MaxIdempotencyKeyLength =>
                (null, Problems.BadRequest($"{IdempotencyKeyHeader} must be 1 to {TaskQueueLimits.MaxIdempotencyKeyLength} characters, not blank.", IdempotencyKeyHeader)),
            _ => (values[0], null),
        };
    }

    private static async Task<IResult> GetAsync(string id, ITaskQueue queue, CancellationToken cancellationToken) =>
        await Ask(() => queue.GetAsync(id, cancellationToken)) is { } record ? Results.Ok(TaskView.Of(record)) : Problems.NotFound($"There is no task '{id}' (finished tasks are kept for a while, then forgotten).");

    private static async Task<IResult> ListAsync(string? status, int? limit, ITaskQueue queue, CancellationToken cancellationToken)
    {
        TaskState? state = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!JsonNames.TryParse<TaskState>(status, out var parsed))
            {
                return Problems.BadRequest($"'status' must be one of {JsonNames.List<TaskState>()} (one at a time); got '{status}'.", "status");
            }

            state = parsed;
        }

        if (limit is < 1 or > 10_000)
        {
            return Problems.BadRequest("'limit' must be from 1 to 10000.", "limit");
        }

        var records = await Ask(() => queue.ListAsync(state, limit ?? 100, cancellationToken));
        return records is null ? Problems.Unavailable("The task queue is not answering.") : Results.Ok(records.Select(TaskView.Of));
    }

    private static async Task<IResult> CancelAsync(string id, ITaskQueue queue, CancellationToken cancellationToken)
    {
        return await Ask(() => queue.CancelAsync(id, "cancelled through the API", cancellationToken)) switch
        {
            TaskCancelRequested requested => Results.Ok(TaskView.Of(requested.Record)),
            TaskNotCancellable { IsUnknown: true } refused => Problems.NotFound(refused.Reason),
            TaskNotCancellable refused => Problems.Conflict(refused.Reason),
            _ => Problems.Unavailable("The task queue is not answering."),
        };
    }

    /// <summary>Asks the queue; a queue that no longer answers (shutting down) reads as null.</summary>
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

/// <summary>The task types the service registered, by name.</summary>
public sealed class TaskCatalog(IEnumerable<TaskDefinition> definitions)
{
    private readonly Dictionary<string, TaskDefinition> _byType = definitions.ToDictionary(d => d.Type, StringComparer.Ordinal);

    /// <summary>Every registered type.</summary>
    public IReadOnlyCollection<TaskDefinition> Definitions => _byType.Values;

    /// <summary>The definition of <paramref name="type"/>, if registered.</summary>
    public bool TryGet(string type, out TaskDefinition definition) => _byType.TryGetValue(type, out definition!);
}
