using System.Collections.Immutable;
using Actors.Thunks;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

/// <summary>A coordinator in front of a store whose state is the log of applied actions.</summary>
public abstract class ThunkSpec(ITestOutputHelper output, string? config = null)
    : Akka.TestKit.Xunit2.TestKit(Akka.Configuration.ConfigurationFactory.ParseString(config ?? string.Empty), output: output)
{
    private ThunkSettings Settings => ThunkSettings.Create(Sys);

    protected IActorRef Store { get; private set; } = ActorRefs.Nobody;

    protected IActorRef Coordinator { get; set; } = ActorRefs.Nobody;

    protected void StartCoordinator()
    {
        Store = Sys.ActorOf(StateStoreActor<ImmutableList<object>>.Props(ImmutableList<object>.Empty, (log, action) => log.Add(action)));
        // As ThunkSystem and WithThunks start it: in front of the built-in store, handing actions over in batches.
        Coordinator = Sys.ActorOf(ThunkCoordinator.ForStateStore(Store, Settings, durability: null));
    }

    /// <summary>Registers a thunk on behalf of <paramref name="source"/> and returns its id.</summary>
    protected string Register(TestProbe source, string? id = null, string? parent = null, int priority = 0, IReadOnlySet<string>? keys = null, TimeSpan? timeout = null)
    {
        Coordinator.Tell(new RegisterThunk(id, parent, priority, keys, timeout), source.Ref);
        return source.ExpectMsg<ThunkRegistered>().Id;
    }

    protected void Start(TestProbe source, string id)
    {
        Coordinator.Tell(new StartThunk(id), source.Ref);
        source.ExpectMsg<ThunkStarted>(s => s.Id == id);
    }

    protected void Complete(TestProbe source, string id)
    {
        Coordinator.Tell(new CompleteThunk(id), source.Ref);
        source.ExpectMsg<ThunkCompleted>(c => c.Id == id);
    }

    protected void Dispatch(TestProbe source, object action, string? thunk = null) =>
        Coordinator.Tell(new DispatchThunkAction(action, thunk), source.Ref);

    /// <summary>The store's log once every action sent so far (by this test's senders) has been applied.</summary>
    protected ImmutableList<object> AppliedLog() => Store.Ask<StoreStateChanged<ImmutableList<object>>>(GetStoreState.Instance).Result.State;

    protected ThunkSummary Summary() => Coordinator.Ask<ThunkSummary>(GetThunkSummary.Instance).Result;
}
