using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using static Actors.Common.WireJson;

namespace Actors.Tasks;

/// <summary>
/// The task queue's protocol on the wire, between nodes (commands, replies, events, and what it says to
/// the executors on every node): JSON under stable,
/// versioned manifests, never a CLR type name. Inputs and results are written as JSON of the task type's
/// registered input and result types, and read back as those types on the other side (every node registers
/// the same task types); a type this node does not know reads back as a <see cref="JsonElement"/>.
/// </summary>
public sealed class TaskWireSerializer : SerializerWithStringManifest
{
    private static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(SubmitTask)] = "tasks.submit.v1",
        [typeof(WatchedSubmitWire)] = "tasks.submit-watched.v1",
        [typeof(SubmitAccepted)] = "tasks.submit-accepted.v1",
        [typeof(SubmitCompleted)] = "tasks.submit-completed.v1",
        [typeof(SubmitRejected)] = "tasks.submit-rejected.v1",
        [typeof(CancelTask)] = "tasks.cancel.v1",
        [typeof(RetryTask)] = "tasks.retry.v1",
        [typeof(TaskCancelRequested)] = "tasks.cancel-requested.v1",
        [typeof(TaskNotCancellable)] = "tasks.not-cancellable.v1",
        [typeof(GetTask)] = "tasks.get.v1",
        [typeof(TaskRecordReply)] = "tasks.record.v1",
        [typeof(ListTasks)] = "tasks.list.v1",
        [typeof(TaskList)] = "tasks.list-reply.v1",
        [typeof(GetTaskQueueStatus)] = "tasks.status-get.v1",
        [typeof(TaskQueueStatus)] = "tasks.status.v1",
        [typeof(WatchTask)] = "tasks.watch.v1",
        [typeof(GetTaskTypeHealth)] = "tasks.type-health-get.v1",
        [typeof(TaskTypeHealthReport)] = "tasks.type-health.v1",
        [typeof(TaskCircuitChanged)] = "tasks.circuit-changed.v1",
        [typeof(TaskLoadShed)] = "tasks.load-shed.v1",
        [typeof(TaskQueued)] = "tasks.queued.v1",
        [typeof(TaskStarted)] = "tasks.started.v1",
        [typeof(TaskProgress)] = "tasks.progress.v1",
        [typeof(TaskCompleted)] = "tasks.completed.v1",
        [typeof(TaskFailed)] = "tasks.failed.v1",
        [typeof(TaskCancelled)] = "tasks.cancelled.v1",
        [typeof(RunTask)] = "tasks.run.v1",
        [typeof(CancelAttempt)] = "tasks.cancel-attempt.v1",
        [typeof(AttemptEnded)] = "tasks.attempt-ended.v1",
        [typeof(ProgressReported)] = "tasks.progress-reported.v1",
        [typeof(RegisterExecutor)] = "tasks.executor-register.v1",
        [typeof(ExecutorRegistered)] = "tasks.executor-registered.v1",
        [typeof(ExecutorLeaving)] = "tasks.executor-leaving.v1",
        [typeof(ExecutorLeft)] = "tasks.executor-left.v1",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> Types = Manifests.ToFrozenDictionary(p => p.Value, p => p.Key);

    private readonly ExtendedActorSystem _system;

    /// <summary>Created by Akka's serialization, once per actor system.</summary>
    public TaskWireSerializer(ExtendedActorSystem system)
        : base(system) => _system = system;

    /// <inheritdoc />
    public override int Identifier => 7302;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        o is SubmitTask { Watcher: not null } ? Manifests[typeof(WatchedSubmitWire)] : Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest : throw new ArgumentException($"{o.GetType().FullName} is not part of the task queue's wire protocol.", nameof(o));

    /// <inheritdoc />
    /// <remarks>Inputs and results are <c>object</c>s: System.Text.Json writes them as their runtime type, in one pass.</remarks>
    public override byte[] ToBinary(object obj) => obj switch
    {
        SubmitTask { Watcher: { } watcher } submit => Write(new WatchedSubmitWire(submit with { Watcher = null }, Path(watcher))),
        SubmitCompleted completed => Write(new RecordWire(Wire(completed.Record))),
        TaskCancelRequested requested => Write(new RecordWire(Wire(requested.Record))),
        TaskNotCancellable refused => Write(new NotCancellableWire(refused.TaskId, refused.Reason, refused.Record is null ? null : Wire(refused.Record))),
        TaskRecordReply reply => Write(new RecordReplyWire(reply.TaskId, reply.Record is null ? null : Wire(reply.Record))),
        TaskList list => Write(list.Tasks.Select(Wire).ToList()),
        TaskTypeHealthReport report => Write(report.Types),
        WatchTask watch => Write(new WatchWire(watch.TaskId, Akka.Serialization.Serialization.SerializedActorPath(watch.Subscriber))),
        GetTaskQueueStatus or GetTaskTypeHealth or ExecutorRegistered => [],
        RegisterExecutor register => Write(new RegisterWire(Path(register.Executor), register.Node,
            register.Lanes.ToDictionary(lane => lane.Key, lane => Path(lane.Value)), register.Running.ToList(),
            register.RecentlyEnded.ToList())),
        ExecutorLeaving leaving => Write(Path(leaving.Executor)),
        ExecutorLeft left => Write(Path(left.Executor)),
        _ => Write(obj),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
        {
            throw new SerializationException($"Unknown manifest '{manifest}': this version of Actors cannot read it.");
        }

        return type switch
        {
            _ when type == typeof(SubmitTask) => TypedInput(Read<SubmitTask>(bytes)),
            _ when type == typeof(WatchedSubmitWire) => Read<WatchedSubmitWire>(bytes) is var watched ? TypedInput(watched.Submit) with { Watcher = Actor(watched.Watcher) } : null!,
            _ when type == typeof(SubmitCompleted) => new SubmitCompleted(Record(Read<RecordWire>(bytes).Record)),
            _ when type == typeof(TaskCancelRequested) => new TaskCancelRequested(Record(Read<RecordWire>(bytes).Record)),
            _ when type == typeof(TaskNotCancellable) => NotCancellable(Read<NotCancellableWire>(bytes)),
            _ when type == typeof(TaskRecordReply) => RecordReply(Read<RecordReplyWire>(bytes)),
            _ when type == typeof(TaskList) => new TaskList(Read<List<TaskRecordWire>>(bytes).Select(Record).ToList()),
            _ when type == typeof(WatchTask) => Watch(Read<WatchWire>(bytes)),
            _ when type == typeof(TaskCompleted) => TypedResult(Read<TaskCompleted>(bytes)),
            _ when type == typeof(GetTaskQueueStatus) => GetTaskQueueStatus.Instance,
            _ when type == typeof(GetTaskTypeHealth) => GetTaskTypeHealth.Instance,
            _ when type == typeof(TaskTypeHealthReport) => new TaskTypeHealthReport(Read<List<TaskTypeHealth>>(bytes)),
            _ when type == typeof(ExecutorRegistered) => ExecutorRegistered.Instance,
            _ when type == typeof(RunTask) => TypedInput(Read<RunTask>(bytes)),
            _ when type == typeof(AttemptEnded) => TypedResult(Read<AttemptEnded>(bytes)),
            _ when type == typeof(RegisterExecutor) => Register(Read<RegisterWire>(bytes)),
            _ when type == typeof(ExecutorLeaving) => new ExecutorLeaving(Actor(Read<string>(bytes))),
            _ when type == typeof(ExecutorLeft) => new ExecutorLeft(Actor(Read<string>(bytes))),
            _ => JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"'{manifest}' is empty."),
        };
    }

    private SubmitTask TypedInput(SubmitTask submit) => submit with { Input = Typed(submit.Input, submit.Type, input: true) };

    private TaskCompleted TypedResult(TaskCompleted completed) => completed with { Result = Typed(completed.Result, completed.TaskType, input: false) };

    private RunTask TypedInput(RunTask run) => run with { Input = Typed(run.Input, run.Type, input: true) };

    private AttemptEnded TypedResult(AttemptEnded ended) => ended with { Result = Typed(ended.Result, ended.Type, input: false) };

    private TaskNotCancellable NotCancellable(NotCancellableWire wire) => new(wire.TaskId, wire.Reason, wire.Record is null ? null : Record(wire.Record));

    private TaskRecordReply RecordReply(RecordReplyWire wire) => new(wire.TaskId, wire.Record is null ? null : Record(wire.Record));

    private WatchTask Watch(WatchWire wire) => new(wire.TaskId, Actor(wire.Subscriber));

    private RegisterExecutor Register(RegisterWire wire) =>
        new(Actor(wire.Executor), wire.Node, wire.Lanes.ToDictionary(lane => lane.Key, lane => Actor(lane.Value), StringComparer.Ordinal), wire.Running,
            wire.RecentlyEnded.Select(TypedResult).ToList());

    private IActorRef Actor(string path) => _system.Provider.ResolveActorRef(path);

    /// <summary>A value read back as the task type's input or result type, when this node knows the type.</summary>
    private object? Typed(object? value, string taskType, bool input)
    {
        if (value is not JsonElement element)
        {
            return value;
        }

        var definition = TaskTypes.For(_system).Find(taskType);
        var target = definition is null ? null : input ? definition.InputType : definition.ResultType;
        return target is null || target == typeof(object) ? element : element.Deserialize(target, Json);
    }

    private static TaskRecordWire Wire(TaskRecord record) => new(record.Id, record.Type, record.Priority, record.IdempotencyKey, record.QueuedAt, record.Status,
        record.Attempts, record.Progress, record.Result, record.Error, record.RetryAt, record.StartedAt, record.EndedAt, record.Node);

    private TaskRecord Record(TaskRecordWire wire) => TaskRecord.Restore(wire.Id, wire.Type, wire.Priority, wire.IdempotencyKey, wire.QueuedAt, wire.Status,
        wire.Attempts, wire.Progress, Typed(wire.Result, wire.Type, input: false), wire.Error, wire.RetryAt, wire.StartedAt, wire.EndedAt, wire.Node);

    private sealed record TaskRecordWire(string Id, string Type, int Priority, string? IdempotencyKey, DateTimeOffset QueuedAt, TaskState Status, int Attempts,
        double Progress, object? Result, TaskError? Error, DateTimeOffset? RetryAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Node);

    private sealed record RecordWire(TaskRecordWire Record);

    private sealed record RecordReplyWire(string TaskId, TaskRecordWire? Record);

    private sealed record NotCancellableWire(string TaskId, string Reason, TaskRecordWire? Record);

    private sealed record WatchWire(string TaskId, string Subscriber);

    /// <summary>A <see cref="SubmitTask"/> with a watcher: the submit without it, and the watcher's path.</summary>
    private sealed record WatchedSubmitWire(SubmitTask Submit, string Watcher);

    private sealed record RegisterWire(string Executor, string Node, Dictionary<string, string> Lanes, List<AttemptRef> Running, List<AttemptEnded> RecentlyEnded);
}

/// <summary>The task types started in an actor system, so that its wire serializer can type inputs and results.</summary>
internal sealed class TaskTypes : IExtension
{
    private volatile FrozenDictionary<string, TaskDefinition> _byName = FrozenDictionary<string, TaskDefinition>.Empty;

    public static TaskTypes For(ActorSystem system) => system.WithExtension<TaskTypes, TaskTypesProvider>();

    public void Register(IEnumerable<TaskDefinition> definitions) => _byName = definitions.ToFrozenDictionary(d => d.Type, StringComparer.Ordinal);

    public TaskDefinition? Find(string type) => _byName.GetValueOrDefault(type);

    /// <summary>The registered types' names.</summary>
    public IEnumerable<string> Names => _byName.Keys;

    private sealed class TaskTypesProvider : ExtensionIdProvider<TaskTypes>
    {
        public override TaskTypes CreateExtension(ExtendedActorSystem system) => new();
    }
}
