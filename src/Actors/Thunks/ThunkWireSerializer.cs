using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using Actors.Common;
using static Actors.Common.WireJson;

namespace Actors.Thunks;

/// <summary>
/// The thunk protocol on the wire, between the coordinator (a cluster singleton) and the nodes whose thunks it
/// runs: JSON under stable, versioned manifests, never a CLR type name. Actions travel under the names
/// registered in <see cref="ThunkDurability.ActionTypes"/>, the store's state under <c>thunks.state</c>, so only
/// registered types are ever created from the wire.
/// </summary>
public sealed class ThunkWireSerializer : SerializerWithStringManifest
{
    private static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(RegisterThunk)] = "thunks.register.v1",
        [typeof(StartThunk)] = "thunks.start.v1",
        [typeof(CompleteThunk)] = "thunks.complete.v1",
        [typeof(FailThunk)] = "thunks.fail.v1",
        [typeof(DispatchThunkAction)] = "thunks.dispatch.v1",
        [typeof(GetThunkSummary)] = "thunks.summary-get.v1",
        [typeof(ThunkSummary)] = "thunks.summary.v1",
        [typeof(ThunkRegistered)] = "thunks.registered.v1",
        [typeof(ThunkStarted)] = "thunks.started.v1",
        [typeof(ThunkCompleted)] = "thunks.completed.v1",
        [typeof(ThunkFailed)] = "thunks.failed.v1",
        [typeof(RootThunkChanged)] = "thunks.root-changed.v1",
        [typeof(RootThunkCompleted)] = "thunks.root-completed.v1",
        [typeof(ThunkActionsDropped)] = "thunks.actions-dropped.v1",
        [typeof(ThunkCommandRejected)] = "thunks.rejected.v1",
        [typeof(ThunkActionApplied)] = "thunks.action-applied.v1",
        [typeof(ThunkActionRefused)] = "thunks.action-refused.v1",
        [typeof(GetStoreState)] = "thunks.store-get.v1",
        [typeof(SubscribeToStore)] = "thunks.store-subscribe.v1",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> Types = Manifests.ToFrozenDictionary(p => p.Value, p => p.Key);

    private const string StoreStateManifest = "thunks.store-state.v1";

    private readonly ExtendedActorSystem _system;

    /// <summary>Created by Akka's serialization, once per actor system.</summary>
    public ThunkWireSerializer(ExtendedActorSystem system)
        : base(system) => _system = system;

    /// <inheritdoc />
    public override int Identifier => 7305;

    /// <inheritdoc />
    public override string Manifest(object o)
    {
        var type = o.GetType();
        return Manifests.TryGetValue(type, out var manifest) ? manifest
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(StoreStateChanged<>) ? StoreStateManifest
            : throw new ArgumentException($"{type.FullName} is not part of the thunk protocol on the wire.", nameof(o));
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        RegisterThunk register => Write(new RegisterWire(register.Id, register.ParentId, register.Priority, register.Keys?.ToList(), register.Timeout,
            register.Source is null ? null : Path(register.Source))),
        DispatchThunkAction dispatch => Write(new DispatchWire(Action(dispatch.Action), dispatch.ThunkId, dispatch.Acknowledge, dispatch.RootId)),
        ThunkCommandRejected rejected => Write(new RejectedWire(Manifest(rejected.Command), ToBinary(rejected.Command), rejected.Reason)),
        ThunkActionRefused refused => Write(new RefusedWire(ActionOrNull(refused.Action), refused.Action.GetType().Name, refused.Reason)),
        SubscribeToStore subscribe => Write(Path(subscribe.Subscriber)),
        GetThunkSummary or GetStoreState => [],
        _ when obj.GetType().IsGenericType => Codec(obj.GetType().GetGenericArguments()[0]).Write(obj, this),
        _ => Write(obj),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "thunks.register.v1" => Read<RegisterWire>(bytes) is var r
            ? new RegisterThunk(r.Id, r.ParentId, r.Priority, r.Keys?.ToHashSet(StringComparer.Ordinal), r.Timeout, r.Source is null ? null : Actor(r.Source))
            : null!,
        "thunks.dispatch.v1" => Read<DispatchWire>(bytes) is var d ? new DispatchThunkAction(Value(d.Action)!, d.ThunkId, d.Acknowledge, d.RootId) : null!,
        "thunks.rejected.v1" => Read<RejectedWire>(bytes) is var j ? new ThunkCommandRejected((IThunkCommand)FromBinary(j.Command, j.CommandManifest), j.Reason) : null!,
        "thunks.action-refused.v1" => Read<RefusedWire>(bytes) is var f ? new ThunkActionRefused(Value(f.Action) ?? $"(a {f.ActionType} this node cannot read)", f.Reason) : null!,
        "thunks.store-subscribe.v1" => new SubscribeToStore(Actor(Read<string>(bytes))),
        "thunks.summary-get.v1" => GetThunkSummary.Instance,
        "thunks.store-get.v1" => GetStoreState.Instance,
        StoreStateManifest => StoreState(Read<StoreStateWire>(bytes)),
        _ when Types.TryGetValue(manifest, out var type) => JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"'{manifest}' is empty."),
        _ => throw new SerializationException($"Unknown manifest '{manifest}': this version of Actors cannot read it."),
    };

    private ThunkWireTypes Registered => ThunkWireTypes.For(_system);

    private TypedAction Action(object action) => ActionOrNull(action) ?? throw new SerializationException(
        $"Actions of type {action.GetType().FullName} have no name on the wire: register the type in ThunkDurability.ActionTypes or with ThunkWire.RegisterActionTypes (a clustered thunk system sends every action to its coordinator).");

    private TypedAction? ActionOrNull(object? action) =>
        action is not null && Registered.NameOf(action.GetType()) is { } name ? new TypedAction(name, JsonSerializer.SerializeToElement(action, action.GetType(), Json)) : null;

    private object? Value(TypedAction? action) => action is null ? null : action.Json.Deserialize(Registered.ActionType(action.Name), Json);

    private object StoreState(StoreStateWire wire)
    {
        var type = Registered.StateType ?? throw new SerializationException("No thunk system in this actor system names its state type; start it here (WithThunks) to read its store's state.");
        return Codec(type).Read(wire, this);
    }

    private IActorRef Actor(string path) => _system.Provider.ResolveActorRef(path);

    private static readonly ConcurrentDictionary<Type, IStateCodec> Codecs = new();

    private static IStateCodec Codec(Type state) => Codecs.GetOrAdd(state, static type => (IStateCodec)Activator.CreateInstance(typeof(StateCodec<>).MakeGenericType(type))!);

    private interface IStateCodec
    {
        byte[] Write(object message, ThunkWireSerializer serializer);

        object Read(StoreStateWire wire, ThunkWireSerializer serializer);
    }

    private sealed class StateCodec<TState> : IStateCodec
    {
        public byte[] Write(object message, ThunkWireSerializer serializer) => message is StoreStateChanged<TState> changed
            ? WireJson.Write(new StoreStateWire(changed.Version, JsonSerializer.SerializeToElement(changed.State, Json), serializer.ActionOrNull(changed.LastAction)))
            : throw new ArgumentException($"{message.GetType().FullName} is not part of the thunk protocol on the wire.", nameof(message));

        public object Read(StoreStateWire wire, ThunkWireSerializer serializer) =>
            new StoreStateChanged<TState>(wire.Version, wire.State.Deserialize<TState>(Json)!, serializer.Value(wire.LastAction));
    }

    private sealed record TypedAction(string Name, JsonElement Json);

    private sealed record RegisterWire(string? Id, string? ParentId, int Priority, List<string>? Keys, TimeSpan? Timeout, string? Source);

    private sealed record DispatchWire(TypedAction Action, string? ThunkId, bool Acknowledge, string? RootId);

    private sealed record RejectedWire(string CommandManifest, byte[] Command, string Reason);

    private sealed record RefusedWire(TypedAction? Action, string ActionType, string Reason);

    private sealed record StoreStateWire(long Version, JsonElement State, TypedAction? LastAction);
}

/// <summary>The names of the thunk system's action types and its state type, for <see cref="ThunkWireSerializer"/>.</summary>
internal sealed class ThunkWireTypes : IExtension
{
    private volatile FrozenDictionary<string, Type> _actions = FrozenDictionary<string, Type>.Empty;
    private volatile FrozenDictionary<Type, string> _names = FrozenDictionary<Type, string>.Empty;
    private readonly Lock _registering = new();

    public static ThunkWireTypes For(ActorSystem system) => system.WithExtension<ThunkWireTypes, ThunkWireTypesProvider>();

    /// <summary>The store's state type; null until a thunk system is started (or registered) here.</summary>
    public Type? StateType { get; private set; }

    public void Register(Type stateType, IReadOnlyDictionary<string, Type>? actionTypes)
    {
        StateType = stateType;
        if (actionTypes is not null)
        {
            AddActions(actionTypes);
        }
    }

    public void AddActions(IReadOnlyDictionary<string, Type> actionTypes)
    {
        lock (_registering)
        {
            var actions = new Dictionary<string, Type>(_actions, StringComparer.Ordinal);
            foreach (var (name, type) in actionTypes)
            {
                if (actions.TryGetValue(name, out var taken) && taken != type)
                {
                    throw new InvalidOperationException($"The action name '{name}' is taken by {taken.FullName}; it cannot also name {type.FullName}.");
                }

                actions[name] = type;
            }

            _actions = actions.ToFrozenDictionary(StringComparer.Ordinal);
            _names = actions.GroupBy(p => p.Value).ToFrozenDictionary(g => g.Key, g => g.First().Key);
        }
    }

    public string? NameOf(Type type) => _names.GetValueOrDefault(type);

    public Type ActionType(string name) => _actions.TryGetValue(name, out var type)
        ? type
        : throw new SerializationException($"No action type is registered under '{name}' in this actor system's thunk system (ThunkDurability.ActionTypes or ThunkWire.RegisterActionTypes).");

    private sealed class ThunkWireTypesProvider : ExtensionIdProvider<ThunkWireTypes>
    {
        public override ThunkWireTypes CreateExtension(ExtendedActorSystem system) => new();
    }
}
