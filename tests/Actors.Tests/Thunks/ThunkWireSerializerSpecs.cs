using System.Runtime.Serialization;
using Actors.Configuration;
using Actors.Thunks;
using Akka.Serialization;

namespace Actors.Tests.Thunks;

/// <summary>The thunk protocol crosses nodes as data: every message round-trips, actions typed again by their registered names.</summary>
public sealed class ThunkWireSerializerSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    public sealed record Credit(string Account, long Amount);

    public sealed record Book(IReadOnlyDictionary<string, long> Balances);

    [Fact]
    public void Every_message_of_the_protocol_should_round_trip_with_actions_and_state_typed_again()
    {
        ThunkSystem.Start(Sys, new Book(new Dictionary<string, long>()), (book, _) => book);
        ThunkWire.RegisterActionTypes(Sys, new Dictionary<string, Type> { ["credit"] = typeof(Credit) });
        var at = DateTimeOffset.UnixEpoch.AddDays(20_000);
        object[] messages =
        [
            new StartThunk("t1"),
            new CompleteThunk("t1"),
            new FailThunk("t1", "boom"),
            new DispatchThunkAction(new Credit("a", 5), "t1", Acknowledge: true, RootId: "t0"),
            GetThunkSummary.Instance,
            new ThunkRegistered(3, "t1", "t0", "t0"),
            new ThunkStarted(4, "t1"),
            new ThunkCompleted(5, "t1"),
            new ThunkFailed(6, "t1", "boom"),
            new RootThunkChanged(7, "t0"),
            new RootThunkCompleted(8, "t0"),
            new ThunkActionsDropped(9, 2, "gone"),
            new ThunkActionApplied(10),
            new ThunkActionRefused(new Credit("a", 5), "no"),
            GetStoreState.Instance,
            new SubscribeToStore(TestActor),
        ];

        foreach (var message in messages)
        {
            Assert.Equal(message, RoundTrip(message));
        }

        var register = (RegisterThunk)RoundTrip(new RegisterThunk("t1", null, 3, new HashSet<string> { "a", "b" }, TimeSpan.FromSeconds(9), TestActor));
        Assert.Equal(("t1", 3, TimeSpan.FromSeconds(9), TestActor), (register.Id, register.Priority, register.Timeout, register.Source));
        Assert.Equal(["a", "b"], register.Keys!.Order());
        var rejected = (ThunkCommandRejected)RoundTrip(new ThunkCommandRejected(new StartThunk("t1"), "unknown"));
        Assert.Equal(new StartThunk("t1"), rejected.Command);
        var summary = new ThunkSummary(7, ["t0"], [], [new ThunkInfo("t0", null, "t0", "akka://x/user/y", ThunkStatus.Executing, ["t1"], at, at, null)], 1,
            new ThunkMetrics(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        var read = (ThunkSummary)RoundTrip(summary);
        Assert.Equal((7L, "t0", 1, summary.Metrics), (read.Version, read.ActiveRoots.Single(), read.QueuedActions, read.Metrics));
        Assert.Equal(["t1"], read.Thunks.Single().Children);
        var state = (StoreStateChanged<Book>)RoundTrip(new StoreStateChanged<Book>(4, new Book(new Dictionary<string, long> { ["a"] = 5 }), new Credit("a", 5)));
        Assert.Equal((4L, 5L, new Credit("a", 5)), (state.Version, state.State.Balances["a"], state.LastAction));
    }

    [Fact]
    public void An_action_of_an_unregistered_type_should_be_refused_saying_where_to_register_it()
    {
        ThunkSystem.Start(Sys, 0, (count, _) => count + 1);

        var error = Assert.Throws<SerializationException>(() => RoundTrip(new DispatchThunkAction(new Credit("a", 5), "t1")));

        Assert.Contains(typeof(Credit).FullName!, error.Message);
        Assert.Contains("ThunkWire.RegisterActionTypes", error.Message);
    }

    private object RoundTrip(object message)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ThunkWireSerializer>(serializer);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, serializer.Manifest(message));
    }
}
