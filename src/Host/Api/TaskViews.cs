using System.Text.Json;
using Actors.Tasks;

namespace Actors.Host.Api;

/// <summary>A task as the API shows it (<c>Node</c>: the address of the node that runs or ran its last attempt).</summary>
public sealed record TaskView(
    string Id,
    string Type,
    TaskState Status,
    int Priority,
    int Attempts,
    double Progress,
    object? Result,
    TaskErrorView? Error,
    DateTimeOffset QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? RetryAt,
    string? Node)
{
    /// <summary>The view of a record.</summary>
    public static TaskView Of(TaskRecord record) => new(record.Id, record.Type, record.Status, record.Priority, record.Attempts, record.Progress, record.Result,
        record.Error is { } error ? new TaskErrorView(error.Message, error.Class, error.SuggestedAction, error.RetryAfter?.TotalSeconds) : null,
        record.QueuedAt, record.StartedAt, record.EndedAt, record.RetryAt, record.Node);
}

/// <summary>Why a task failed, as the API shows it.</summary>
public sealed record TaskErrorView(string Message, TaskErrorClass Class, string? SuggestedAction, double? RetryAfterSeconds);

/// <summary>A task that goes on in the background: where to follow it.</summary>
public sealed record TaskAcceptedView(string Id, string Location, string Events);

/// <summary>
/// A task type as <c>GET /api/task-types</c> shows it: its settings, its policies, how it fares now (<c>Health</c>, null
/// when the queue did not answer) and, for a type with a policy key (<c>http.fetch</c>: per host), how each key fares.
/// </summary>
public sealed record TaskTypeView(string Type, string? Description, string Input, double TimeoutSeconds, int MaxAttempts, int ConcurrencyLimit, double EstimatedSeconds,
    TaskPoliciesView Policies, TaskTypeHealth? Health, IReadOnlyList<TaskTypeHealth> Keys)
{
    /// <summary>The view of a definition, with its health and its keys'.</summary>
    public static TaskTypeView Of(TaskDefinition definition, TaskTypeHealth? health, IReadOnlyList<TaskTypeHealth> keys) => new(definition.Type, definition.Description,
        JsonNaming(definition.InputType), definition.Settings.Timeout.TotalSeconds, definition.Settings.Retry.MaxAttempts, definition.Settings.ConcurrencyLimit,
        definition.Settings.EstimatedDuration.TotalSeconds, TaskPoliciesView.Of(definition), health, keys);

    private static string JsonNaming(Type input) =>
        input.IsPrimitive || input == typeof(string)
            ? JsonNames.Describe(input)
            : "{ " + string.Join(", ", input.GetProperties().Select(p => $"{JsonNamingPolicy.CamelCase.ConvertName(p.Name)}: {JsonNames.Describe(p)}")) + " }";
}

/// <summary>A task type's policies (each null when it has none).</summary>
public sealed record TaskPoliciesView(TaskRateLimit? RateLimit, TaskCircuitBreaker? CircuitBreaker, TaskAdaptiveConcurrency? Adaptive, TaskBatching? Batching,
    TaskResultSharing? Sharing)
{
    /// <summary>The policies of a definition.</summary>
    public static TaskPoliciesView Of(TaskDefinition definition) => new(definition.Settings.RateLimit, definition.Settings.CircuitBreaker, definition.Settings.Adaptive,
        definition.Batching, definition.Settings.Sharing);
}

/// <summary>The body of <c>POST /api/tasks/{type}</c>.</summary>
/// <param name="Input">The task's input, as its type describes it.</param>
/// <param name="Priority">1 to 10, 10 most urgent; 5 by default.</param>
/// <param name="WaitMs">How long to wait for the result before answering 202 with the task's id; 0 by default, at most 60,000.</param>
public sealed record SubmitBody(JsonElement? Input, int? Priority, int? WaitMs);
