using Actors.Thunks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

public sealed class LifecycleSpecs : ThunkSpec
{
    public LifecycleSpecs(ITestOutputHelper output)
        : base(output)
    {
        StartCoordinator();
    }

    [Fact]
    public void Every_state_change_should_bump_the_version_by_one_and_the_summary_should_match_the_events()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ThunkEvent));
        var source = CreateTestProbe();
        var root = Register(source, "root");
        Start(source, root);
        var child = Register(source, parent: root);
        Start(source, child);
        Coordinator.Tell(new FailThunk(child, "boom"), source.Ref);
        source.ExpectMsg<ThunkFailed>();

        var summary = Summary();
        var seen = events.ReceiveN(6).Cast<ThunkEvent>().ToList();

        Assert.Equal(Enumerable.Range(1, 6).Select(v => (long)v), seen.Select(e => e.Version));
        Assert.Equal(seen[^1].Version, summary.Version);
        Assert.Equal(["root"], summary.ActiveRoots);
        Assert.Equal(ThunkStatus.Executing, summary.Thunks.Single(t => t.Id == root).Status);
        Assert.Equal([child], summary.Thunks.Single(t => t.Id == root).Children);
        Assert.Equal(ThunkStatus.Failed, summary.Thunks.Single(t => t.Id == child).Status);
        Assert.Equal(
            [typeof(ThunkRegistered), typeof(RootThunkChanged), typeof(ThunkStarted), typeof(ThunkRegistered), typeof(ThunkStarted), typeof(ThunkFailed)],
            seen.Select(e => e.GetType()));
    }

    [Fact]
    public void Bad_commands_should_get_a_clear_rejection_and_leave_the_state_unchanged()
    {
        var source = CreateTestProbe();
        var root = Register(source, "root");
        var version = Summary().Version;

        Coordinator.Tell(new RegisterThunk("root"), source.Ref);
        Assert.Contains("already exists", source.ExpectMsg<ThunkCommandRejected>().Reason);
        Coordinator.Tell(new RegisterThunk(ParentId: "nobody"), source.Ref);
        Assert.Contains("'nobody' is unknown", source.ExpectMsg<ThunkCommandRejected>().Reason);
        Coordinator.Tell(new CompleteThunk(root), source.Ref);
        Assert.Contains("never started", source.ExpectMsg<ThunkCommandRejected>().Reason);
        Coordinator.Tell(new RegisterThunk(ParentId: root, Priority: 3), source.Ref);
        Assert.Contains("Only a root", source.ExpectMsg<ThunkCommandRejected>().Reason);
        Dispatch(source, "x", "ghost");
        Assert.Contains("'ghost' cannot dispatch", source.ExpectMsg<ThunkActionRefused>().Reason);
        Start(source, root);
        Complete(source, root);
        Coordinator.Tell(new CompleteThunk(root), source.Ref);
        Assert.Contains("has ended", source.ExpectMsg<ThunkCommandRejected>().Reason);
        Dispatch(source, "late", root);
        Assert.Contains("completed", source.ExpectMsg<ThunkActionRefused>().Reason);

        Assert.Equal(version + 4, Summary().Version);
        Assert.Empty(AppliedLog());
    }

    [Fact]
    public void A_terminated_source_should_fail_its_thunks_release_its_lock_and_drop_its_waiting_actions()
    {
        var (doomed, next, other) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ThunkActionsDropped));
        var root = Register(doomed, "doomed");
        Start(doomed, root);
        var child = Register(other, parent: root);
        Start(other, child);
        var waiting = Register(doomed, "doomed-waiting");
        Dispatch(doomed, "never", waiting);
        Register(next, "next");
        Coordinator.Tell(new StartThunk("next"), next.Ref);

        Sys.Stop(doomed.Ref);

        Assert.Equal(1, events.ExpectMsg<ThunkActionsDropped>().Count);
        next.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Complete(other, child);
        next.ExpectMsg<ThunkStarted>();
        Coordinator.Tell(new CompleteThunk(root), other.Ref);
        Assert.Contains("terminated", other.ExpectMsg<ThunkCommandRejected>().Reason);
        Assert.DoesNotContain("never", AppliedLog());
    }

    [Fact]
    public void The_summary_should_show_waiting_actions_and_lock_metrics()
    {
        var (holder, plain) = (CreateTestProbe(), CreateTestProbe());
        var root = Register(holder);
        Start(holder, root);
        Dispatch(plain, "waits-1");
        Dispatch(plain, "waits-2");

        var whileHeld = Summary();
        Complete(holder, root);
        var afterwards = Summary();

        Assert.Equal(2, whileHeld.QueuedActions);
        Assert.Equal(0, whileHeld.Metrics.TreesCompleted);
        Assert.Equal(0, afterwards.QueuedActions);
        Assert.Equal(1, afterwards.Metrics.TreesCompleted);
        Assert.True(afterwards.Metrics.MaxLockHold > TimeSpan.Zero);
        Assert.Equal(afterwards.Metrics.MaxLockHold, afterwards.Metrics.TotalLockHold);
    }

    [Fact]
    public void Store_subscribers_should_get_the_current_state_then_each_new_state_with_its_version()
    {
        var (source, subscriber) = (CreateTestProbe(), CreateTestProbe());
        Dispatch(source, "before");
        AwaitAssert(() => Assert.Single(AppliedLog()));

        Store.Tell(new SubscribeToStore(subscriber.Ref));
        var current = subscriber.ExpectMsg<StoreStateChanged<System.Collections.Immutable.ImmutableList<object>>>();
        Coordinator.Tell(new DispatchThunkAction("after", Acknowledge: true), source.Ref);
        var next = subscriber.ExpectMsg<StoreStateChanged<System.Collections.Immutable.ImmutableList<object>>>();

        Assert.Equal((1L, "before"), (current.Version, current.LastAction));
        Assert.Equal((2L, "after"), (next.Version, next.LastAction));
        Assert.Equal(2, source.ExpectMsg<ThunkActionApplied>().StoreVersion);
    }

    [Fact]
    public void A_tree_of_ten_thousand_thunks_should_complete_with_three_state_changes_per_thunk()
    {
        var source = CreateTestProbe();
        var before = Summary().Version;

        RunTree(source, 10_000);

        var after = Summary();
        // Registered, started, ended per thunk, plus the lock taken and released: nothing per pair of thunks.
        Assert.Equal(before + (3 * 10_000) + 2, after.Version);
        Assert.Empty(after.Thunks);
        Assert.Empty(after.ActiveRoots);
        Assert.Equal(5_000, AppliedLog().Count);
    }

    /// <summary>A tree half deep (a chain) and half wide (one parent with many children).</summary>
    private void RunTree(Akka.TestKit.TestProbe source, int size)
    {
        var root = Register(source);
        Start(source, root);
        var chain = new List<string> { root };
        for (var i = 1; i < size / 2; i++)
        {
            chain.Add(Register(source, parent: chain[^1]));
            Start(source, chain[^1]);
        }

        var wide = new List<string>();
        for (var i = size / 2; i < size; i++)
        {
            wide.Add(Register(source, parent: root));
            Start(source, wide[^1]);
            Dispatch(source, i, wide[^1]);
        }

        foreach (var id in wide.Concat(Enumerable.Reverse(chain)))
        {
            Complete(source, id);
        }
    }
}
