using System.Text.Json;
using System.Text.Json.Serialization;
using Actors.Durability;

namespace Actors.Tasks;

// What the task journal stores: one versioned record per event kind (progress is not stored), with the
// input and result as JSON so that a type renamed in code does not break old journals. Read back by
// ActorsJsonSerializer by their [StoredAs] names; change a shape only by adding a v2.

/// <summary>A task was accepted (<see cref="TaskQueued"/>), with its input (and, added later as optional fields, the results handed to it and its trace context).</summary>
[StoredAs("task.accepted.v1")]
internal sealed record TaskAcceptedV1(string Id, string Type, int Priority, TimeSpan EstimatedDuration, string? IdempotencyKey, DateTimeOffset At, StoredJson? Input,
    JsonElement? Upstream = null, string? TraceParent = null) : IStored
{
    /// <summary>For the reader, which sets the properties one by one: with nine, much cheaper than gathering the constructor's arguments.</summary>
    [JsonConstructor]
    private TaskAcceptedV1() : this(null!, null!, 0, default, null, default, null)
    {
    }
}

/// <summary><see cref="TaskStarted"/>.</summary>
[StoredAs("task.started.v1")] // Node was added later as an optional field: entries without it read back with none.
internal sealed record TaskStartedV1(string Id, string Type, int Attempt, DateTimeOffset At, string? Node = null) : IStored
{
    /// <inheritdoc cref="TaskAcceptedV1()"/>
    [JsonConstructor]
    private TaskStartedV1() : this(null!, null!, 0, default)
    {
    }
}

/// <summary><see cref="TaskCompleted"/>, with its result.</summary>
[StoredAs("task.completed.v1")]
internal sealed record TaskCompletedV1(string Id, string Type, JsonElement? Result, TimeSpan Duration, DateTimeOffset At) : IStored;

/// <summary><see cref="TaskFailed"/>.</summary>
[StoredAs("task.failed.v1")]
internal sealed record TaskFailedV1(string Id, string Type, TaskErrorClass Class, string Message, string? SuggestedAction, string? TechnicalDetails, TimeSpan? RetryAfter,
    int Attempts, DateTimeOffset? RetryAt, DateTimeOffset At) : IStored;

/// <summary><see cref="TaskCancelled"/>.</summary>
[StoredAs("task.cancelled.v1")]
internal sealed record TaskCancelledV1(string Id, string Type, string? Reason, DateTimeOffset At) : IStored;

/// <summary>The journal's state at a sequence number: the entries of every task it still keeps, in order.</summary>
[StoredAs("task.snapshot.v1", Large = true)]
internal sealed record TaskJournalSnapshotV1(IReadOnlyList<TaskEntryV1> Entries) : IStored;

/// <summary>
/// Entries written together as one journal row (group commit): a row per flush rather than per entry,
/// since a row's cost in the store dwarfs an entry's. A flush of one entry is written as that entry.
/// </summary>
[StoredAs("task.entries.v1")]
internal sealed record TaskEntriesV1(IReadOnlyList<TaskEntryV1> Entries) : IStored;

/// <summary>One entry of a snapshot or of a <see cref="TaskEntriesV1"/> row (exactly one of the fields is set).</summary>
internal sealed record TaskEntryV1(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskAcceptedV1? Accepted = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskStartedV1? Started = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskCompletedV1? Completed = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskFailedV1? Failed = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TaskCancelledV1? Cancelled = null)
{
    /// <summary>The entry that is set (not stored: snapshots written before this was left out still read back, the extra field ignored).</summary>
    [JsonIgnore]
    public IStored Entry => (IStored?)Accepted ?? (IStored?)Started ?? (IStored?)Completed ?? (IStored?)Failed ?? Cancelled!;

    public static TaskEntryV1 Of(IStored entry) => entry switch
    {
        TaskAcceptedV1 e => new(Accepted: e),
        TaskStartedV1 e => new(Started: e),
        TaskCompletedV1 e => new(Completed: e),
        TaskFailedV1 e => new(Failed: e),
        TaskCancelledV1 e => new(Cancelled: e),
        _ => throw new ArgumentException($"{entry.GetType().Name} is not a task journal entry.", nameof(entry)),
    };
}

/// <summary>Translates between task events and journal entries.</summary>
internal static class TaskJournalCodec
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The entry for an event; null for progress, which is not stored.</summary>
    public static IStored? Encode(TaskEvent taskEvent, object? input = null, Type? inputType = null, IReadOnlyDictionary<string, object?>? upstream = null,
        string? traceParent = null) => taskEvent switch
    {
        TaskQueued e => new TaskAcceptedV1(e.TaskId, e.TaskType, e.Priority, e.EstimatedDuration, e.IdempotencyKey, e.Timestamp,
            input is null ? null : StoredJson.Of(input, inputType ?? input.GetType(), Json),
            upstream is null ? null : JsonSerializer.SerializeToElement(upstream, Json), traceParent),
        TaskStarted e => new TaskStartedV1(e.TaskId, e.TaskType, e.Attempt, e.Timestamp, e.Node),
        TaskCompleted e => new TaskCompletedV1(e.TaskId, e.TaskType, e.Result is null ? null : JsonSerializer.SerializeToElement(e.Result, e.Result.GetType(), Json), e.Duration, e.Timestamp),
        TaskFailed e => new TaskFailedV1(e.TaskId, e.TaskType, e.Error.Class, e.Error.Message, e.Error.SuggestedAction, e.Error.TechnicalDetails, e.Error.RetryAfter,
            e.AttemptCount, e.RetryAt, e.Timestamp),
        TaskCancelled e => new TaskCancelledV1(e.TaskId, e.TaskType, e.Reason, e.Timestamp),
        _ => null,
    };

    /// <summary>The event an entry stands for (a completed task's result comes back as JSON).</summary>
    public static TaskEvent Decode(IStored entry) => entry switch
    {
        TaskAcceptedV1 e => new TaskQueued(e.Id, e.Type, e.Priority, e.EstimatedDuration, e.IdempotencyKey, e.At),
        TaskStartedV1 e => new TaskStarted(e.Id, e.Type, e.Attempt, e.At, e.Node),
        TaskCompletedV1 e => new TaskCompleted(e.Id, e.Type, e.Result, e.Duration, e.At),
        TaskFailedV1 e => new TaskFailed(e.Id, e.Type, new TaskError(e.Message, e.Class, e.RetryAfter, e.SuggestedAction, e.TechnicalDetails), e.Attempts, e.RetryAt, e.At),
        TaskCancelledV1 e => new TaskCancelled(e.Id, e.Type, e.Reason, e.At),
        _ => throw new ArgumentException($"{entry.GetType().Name} is not a task journal entry.", nameof(entry)),
    };

    /// <summary>
    /// What tells two inputs apart for idempotency keys: the SHA-256 of the input's JSON as the journal
    /// stores it, so that a fingerprint made at submit equals the one made from the journal after a restart.
    /// </summary>
    public static string Fingerprint(object? input, Type inputType) =>
        Fingerprint(input is null ? null : StoredJson.Of(input, inputType, Json));

    /// <inheritdoc cref="Fingerprint(object?, Type)"/>
    public static string Fingerprint(StoredJson? input) =>
        input is null ? "null" : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(input.Utf8));

    /// <summary>The results handed to an accepted task (<see cref="SubmitTask.Upstream"/>), as JSON values; null when it had none.</summary>
    public static IReadOnlyDictionary<string, object?>? Upstream(TaskAcceptedV1 accepted) =>
        accepted.Upstream is { ValueKind: JsonValueKind.Object } json ? json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal) : null;

    /// <summary>The input of an accepted task, read back as its type's input type.</summary>
    public static object? Input(TaskAcceptedV1 accepted, Type inputType) => accepted.Input?.Deserialize(inputType, Json);

    /// <summary>Whether <paramref name="entry"/> ends its task (a failure with a retry due does not).</summary>
    public static bool IsFinal(IStored entry) => entry is TaskCompletedV1 or TaskCancelledV1 or TaskFailedV1 { RetryAt: null };

    /// <summary>The task an entry belongs to.</summary>
    public static string TaskId(IStored entry) => entry switch
    {
        TaskAcceptedV1 e => e.Id,
        TaskStartedV1 e => e.Id,
        TaskCompletedV1 e => e.Id,
        TaskFailedV1 e => e.Id,
        TaskCancelledV1 e => e.Id,
        _ => throw new ArgumentException($"{entry.GetType().Name} is not a task journal entry.", nameof(entry)),
    };
}
