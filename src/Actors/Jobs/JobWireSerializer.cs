using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using static Actors.Common.WireJson;

namespace Actors.Jobs;

/// <summary>
/// The job protocol on the wire, between the nodes of a cluster and from <c>ClusterClient</c>s: JSON under stable,
/// versioned manifests, never a CLR type name. States and actions are written as JSON under the names their kinds
/// registered (<c>&lt;kind&gt;.state</c>, <c>&lt;kind&gt;.action</c>, see <see cref="JobManager.RegisterWireTypes{TState,TAction}"/>)
/// and read back as those types, so only the types of registered kinds are ever created from the wire.
/// </summary>
public sealed class JobWireSerializer : SerializerWithStringManifest
{
    private static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(JobCreated)] = "jobs.created.v1",
        [typeof(JobAlreadyRunning)] = "jobs.already-running.v1",
        [typeof(JobRejected)] = "jobs.rejected.v1",
        [typeof(GetRunningJob)] = "jobs.get-running.v1",
        [typeof(RunningJob)] = "jobs.running.v1",
        [typeof(GetRunningJobs)] = "jobs.get-running-all.v1",
        [typeof(RunningJobs)] = "jobs.running-all.v1",
        [typeof(StopJob)] = "jobs.stop.v1",
        [typeof(JobNotRunning)] = "jobs.not-running.v1",
        [typeof(JobStopped)] = "jobs.stopped.v1",
        [typeof(JobStarted)] = "jobs.started.v1",
        [typeof(DispatchToJob)] = "jobs.dispatch-to.v1",
        [typeof(Dispatch)] = "jobs.dispatch.v1",
        [typeof(ActionHandled)] = "jobs.action-handled.v1",
        [typeof(ActionRejected)] = "jobs.action-rejected.v1",
        [typeof(ActionFailed)] = "jobs.action-failed.v1",
        [typeof(SubscribeToJob)] = "jobs.subscribe.v1",
        [typeof(UnsubscribeFromJob)] = "jobs.unsubscribe.v1",
        [typeof(GetJobState)] = "jobs.get-state.v1",
    }.ToFrozenDictionary();

    /// <summary>The generic messages, by their definition: their state's type travels inside them.</summary>
    private static readonly FrozenDictionary<Type, string> GenericManifests = new Dictionary<Type, string>
    {
        [typeof(RunJobFromState<>)] = "jobs.run-from-state.v1",
        [typeof(JobState<>)] = "jobs.state.v1",
        [typeof(JobStateChanged<>)] = "jobs.state-changed.v1",
    }.ToFrozenDictionary();

    private readonly ExtendedActorSystem _system;

    /// <summary>Created by Akka's serialization, once per actor system.</summary>
    public JobWireSerializer(ExtendedActorSystem system)
        : base(system) => _system = system;

    /// <inheritdoc />
    public override int Identifier => 7304;

    /// <inheritdoc />
    public override string Manifest(object o)
    {
        var type = o.GetType();
        return Manifests.TryGetValue(type, out var manifest) || (type.IsGenericType && GenericManifests.TryGetValue(type.GetGenericTypeDefinition(), out manifest))
            ? manifest
            : throw new ArgumentException($"{type.FullName} is not part of the job protocol on the wire.", nameof(o));
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        JobCreated created => Write(new KeyedRef(created.Key, Path(created.Job))),
        JobAlreadyRunning running => Write(new KeyedRef(running.Key, Path(running.Job))),
        JobRejected rejected => Write(new RejectedWire(rejected.Key, rejected.Reason)),
        RunningJob running => Write(new RunningWire(running.Key, running.Job is null ? null : Path(running.Job),
            running.Cell is null ? null : Payload(running.Cell.CurrentState, running.Cell.StateType), running.Cell?.CurrentVersion ?? 0)),
        StopJob stop => Write(new KeyedRef(stop.Key, stop.Job is null ? null : Path(stop.Job))),
        DispatchToJob dispatch => Write(new DispatchWire(dispatch.Key, Payload(dispatch.Action, dispatch.Action?.GetType()), dispatch.Acknowledge)),
        Dispatch dispatch => Write(new DispatchWire(null, Payload(dispatch.Action, dispatch.Action?.GetType()), dispatch.Acknowledge)),
        ActionRejected rejected => Write(new ActionRejectedWire(rejected.Key, rejected.Action is null ? null : TryPayload(rejected.Action), rejected.Reason)),
        SubscribeToJob subscribe => Write(Path(subscribe.Subscriber)),
        UnsubscribeFromJob unsubscribe => Write(Path(unsubscribe.Subscriber)),
        GetRunningJobs or GetJobState => [],
        _ when obj.GetType().IsGenericType => Write(Codec(obj.GetType().GetGenericArguments()[0]).Write(obj, this)),
        _ => Write(obj),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "jobs.created.v1" => Read<KeyedRef>(bytes) is var created ? new JobCreated(created.Key, Actor(created.Actor!)) : null!,
        "jobs.already-running.v1" => Read<KeyedRef>(bytes) is var running ? new JobAlreadyRunning(running.Key, Actor(running.Actor!)) : null!,
        "jobs.rejected.v1" => Read<RejectedWire>(bytes) is var rejected ? new JobRejected(rejected.Key, rejected.Reason) : null!,
        "jobs.running.v1" => Running(Read<RunningWire>(bytes)),
        "jobs.stop.v1" => Read<KeyedRef>(bytes) is var stop ? new StopJob(stop.Key, stop.Actor is null ? null : Actor(stop.Actor)) : null!,
        "jobs.dispatch-to.v1" => Read<DispatchWire>(bytes) is var to ? new DispatchToJob(to.Key!, Value(to.Action)!, to.Acknowledge) : null!,
        "jobs.dispatch.v1" => Read<DispatchWire>(bytes) is var dispatch ? new Dispatch(Value(dispatch.Action)!, dispatch.Acknowledge) : null!,
        "jobs.action-rejected.v1" => Read<ActionRejectedWire>(bytes) is var refused ? new ActionRejected(refused.Key, Value(refused.Action), refused.Reason) : null!,
        "jobs.subscribe.v1" => new SubscribeToJob(Actor(Read<string>(bytes))),
        "jobs.unsubscribe.v1" => new UnsubscribeFromJob(Actor(Read<string>(bytes))),
        "jobs.get-running-all.v1" => GetRunningJobs.Instance,
        "jobs.get-state.v1" => GetJobState.Instance,
        "jobs.run-from-state.v1" or "jobs.state.v1" or "jobs.state-changed.v1" => Generic(manifest, Read<GenericWire>(bytes)),
        _ when Manifests.FirstOrDefault(m => m.Value == manifest).Key is { } type => JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"'{manifest}' is empty."),
        _ => throw new SerializationException($"Unknown manifest '{manifest}': this version of Actors cannot read it."),
    };

    private RunningJob Running(RunningWire wire)
    {
        var job = wire.Job is null ? null : Actor(wire.Job);
        if (job is null || wire.State is null)
        {
            return new RunningJob(wire.Key, job);
        }

        return new RunningJob(wire.Key, job) { Cell = Codec(Types.Resolve(wire.State.Type)).Copy(job, wire.Key, wire.Version, wire.State.Value) };
    }

    private object Generic(string manifest, GenericWire wire)
    {
        var codec = Codec(Types.Resolve(wire.State.Type));
        return manifest switch
        {
            "jobs.run-from-state.v1" => codec.RunFromState(wire.Key, wire.State.Value),
            "jobs.state.v1" => codec.State(wire.Key, wire.Version, wire.State.Value, wire.Subscribers),
            _ => codec.Changed(wire.Key, wire.Version, wire.State.Value),
        };
    }

    private JobWireTypes Types => JobWireTypes.For(_system);

    /// <summary>A state or action under its registered name.</summary>
    private TypedValue? Payload(object? value, Type? type)
    {
        if (value is null || type is null)
        {
            return null;
        }

        var (name, registered) = Types.NameOf(type) ?? throw new SerializationException(
            $"{type.FullName} is not a state or action type of a job kind started in this actor system, so it has no name on the wire. Start the kind here, or call JobManager.RegisterWireTypes for it (as a ClusterClient must).");
        return new TypedValue(name, JsonSerializer.SerializeToElement(value, registered, Json));
    }

    /// <summary>A refused action goes back as it came when it can; one of a foreign type is left out (the reason names it).</summary>
    private TypedValue? TryPayload(object value) => Types.NameOf(value.GetType()) is null ? null : Payload(value, value.GetType());

    private object? Value(TypedValue? value) => value is null ? null : value.Value.Deserialize(Types.Resolve(value.Type), Json);

    private IActorRef Actor(string path) => _system.Provider.ResolveActorRef(path);

    private static readonly ConcurrentDictionary<Type, IStateCodec> Codecs = new();

    private static IStateCodec Codec(Type state) => Codecs.GetOrAdd(state, static type => (IStateCodec)Activator.CreateInstance(typeof(StateCodec<>).MakeGenericType(type))!);

    /// <summary>Writes and reads the messages generic in a job's state type, without reflection per message.</summary>
    private interface IStateCodec
    {
        GenericWire Write(object message, JobWireSerializer serializer);

        object RunFromState(string key, JsonElement state);

        object State(string key, long version, JsonElement state, int subscribers);

        object Changed(string key, long version, JsonElement state);

        JobCell Copy(IActorRef job, string key, long version, JsonElement state);
    }

    private sealed class StateCodec<TState> : IStateCodec
    {
        public GenericWire Write(object message, JobWireSerializer serializer) => message switch
        {
            RunJobFromState<TState> run => new GenericWire(run.Key, serializer.Payload(run.InitialState, typeof(TState))!, 0, 0),
            JobState<TState> state => new GenericWire(state.Key, serializer.Payload(state.State, typeof(TState))!, state.Version, state.Subscribers),
            JobStateChanged<TState> changed => new GenericWire(changed.Key, serializer.Payload(changed.State, typeof(TState))!, changed.Version, 0),
            _ => throw new ArgumentException($"{message.GetType().FullName} is not part of the job protocol on the wire.", nameof(message)),
        };

        public object RunFromState(string key, JsonElement state) => new RunJobFromState<TState>(key, Read(state));

        public object State(string key, long version, JsonElement state, int subscribers) => new JobState<TState>(key, version, Read(state), subscribers);

        public object Changed(string key, long version, JsonElement state) => new JobStateChanged<TState>(key, version, Read(state));

        public JobCell Copy(IActorRef job, string key, long version, JsonElement state) =>
            new JobCell<TState>(job, new JobStateChanged<TState>(key, version, Read(state))) { IsCopy = true };

        private static TState Read(JsonElement state) => state.Deserialize<TState>(Json)!;
    }

    private sealed record TypedValue(string Type, JsonElement Value);

    private sealed record KeyedRef(string Key, string? Actor);

    private sealed record RejectedWire(string Key, string Reason);

    private sealed record RunningWire(string Key, string? Job, TypedValue? State, long Version);

    private sealed record DispatchWire(string? Key, TypedValue? Action, bool Acknowledge);

    private sealed record ActionRejectedWire(string Key, TypedValue? Action, string Reason);

    private sealed record GenericWire(string Key, TypedValue State, long Version, int Subscribers);
}

/// <summary>The names of the state and action types of the job kinds known to an actor system, for <see cref="JobWireSerializer"/>.</summary>
internal sealed class JobWireTypes : IExtension
{
    private readonly ConcurrentDictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _byType = new();

    public static JobWireTypes For(ActorSystem system) => system.WithExtension<JobWireTypes, JobWireTypesProvider>();

    /// <summary>Names <typeparamref name="TState"/> and <typeparamref name="TAction"/> after the kind (the first kind to name a type keeps it).</summary>
    public void Register<TState, TAction>(string kind)
    {
        Add($"{kind}.state", typeof(TState));
        Add($"{kind}.action", typeof(TAction));
    }

    /// <summary>The name of <paramref name="type"/> and the registered type it is written as (itself, or a registered base).</summary>
    public (string Name, Type Registered)? NameOf(Type type)
    {
        if (_byType.TryGetValue(type, out var name))
        {
            return (name, type);
        }

        foreach (var (registered, registeredName) in _byType)
        {
            if (registered.IsAssignableFrom(type))
            {
                return (registeredName, registered);
            }
        }

        return null;
    }

    public Type Resolve(string name) => _byName.TryGetValue(name, out var type)
        ? type
        : throw new SerializationException($"No job kind in this actor system has the wire type '{name}': start the kind here, or call JobManager.RegisterWireTypes for it.");

    private void Add(string name, Type type)
    {
        if (_byName.TryAdd(name, type) || _byName[name] == type)
        {
            _byType.TryAdd(type, name);
            return;
        }

        throw new InvalidOperationException($"The wire type name '{name}' is already taken by {_byName[name].FullName}; a job kind's name must name one pair of state and action types.");
    }

    private sealed class JobWireTypesProvider : ExtensionIdProvider<JobWireTypes>
    {
        public override JobWireTypes CreateExtension(ExtendedActorSystem system) => new();
    }
}
