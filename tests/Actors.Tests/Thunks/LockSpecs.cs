using Actors.Thunks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

public sealed class LockSpecs : ThunkSpec
{
    public LockSpecs(ITestOutputHelper output)
        : base(output)
    {
        StartCoordinator();
        Sys.EventStream.Subscribe(TestActor, typeof(RootThunkChanged));
        Sys.EventStream.Subscribe(TestActor, typeof(RootThunkCompleted));
    }

    [Fact]
    public void A_second_tree_should_wait_until_the_first_root_and_all_its_descendants_have_ended()
    {
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        var rootA = Register(a, "a");
        var rootB = Register(b, "b");

        Start(a, rootA);
        Coordinator.Tell(new StartThunk(rootB), b.Ref);
        var child = Register(a, parent: rootA);
        Start(a, child);
        Dispatch(a, "a1", child);
        Dispatch(b, "b1", rootB);
        Complete(a, rootA);
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Complete(a, child);

        b.ExpectMsg<ThunkStarted>(s => s.Id == rootB);
        Complete(b, rootB);
        Assert.Equal("a", ExpectMsg<RootThunkChanged>().RootId);
        Assert.Equal("a", ExpectMsg<RootThunkCompleted>().RootId);
        Assert.Equal("b", ExpectMsg<RootThunkChanged>().RootId);
        Assert.Equal("b", ExpectMsg<RootThunkCompleted>().RootId);
        Assert.Equal(["a1", "b1"], AppliedLog());
    }

    [Fact]
    public void Plain_actions_should_wait_while_a_tree_holds_the_lock_and_then_apply_in_arrival_order()
    {
        var (a, plain) = (CreateTestProbe(), CreateTestProbe());
        var root = Register(a);
        Start(a, root);

        Dispatch(plain, "p1");
        Coordinator.Tell(new DispatchThunkAction("t1", root, Acknowledge: true), a.Ref);
        Dispatch(plain, "p2");
        Coordinator.Tell(new DispatchThunkAction("t2", root, Acknowledge: true), a.Ref);
        Assert.Equal([1L, 2L], new[] { a.ExpectMsg<ThunkActionApplied>().StoreVersion, a.ExpectMsg<ThunkActionApplied>().StoreVersion });
        Assert.Empty(AppliedLog()); // readers see the tree's actions once it has completed, never part of them
        Complete(a, root);

        AwaitAssert(() => Assert.Equal(["t1", "t2", "p1", "p2"], AppliedLog()));
    }

    [Fact]
    public void A_handler_of_its_own_should_get_each_action_alone_in_order_and_a_tree_s_end_after_its_actions()
    {
        var (source, handler) = (CreateTestProbe(), CreateTestProbe());
        Coordinator = Sys.ActorOf(ThunkCoordinator.Props(handler.Ref, ThunkSettings.Create(Sys)));
        var root = Register(source);
        Start(source, root);
        for (var i = 0; i < 100; i++)
        {
            Dispatch(source, i, root);
        }

        Complete(source, root);

        for (var i = 0; i < 100; i++)
        {
            var handed = handler.ExpectMsg<DispatchThunkAction>();
            Assert.Equal((i, root), ((int)handed.Action, handed.ThunkId));
            Assert.Equal(source.Ref, handler.LastSender);
        }

        Assert.Equal(new ThunkTreeEnded(root, Completed: true), handler.ExpectMsg<ThunkTreeEnded>());
    }

    [Fact]
    public void Actions_let_through_together_should_apply_in_order_with_each_acknowledged_to_its_own_sender_before_the_tree_ends()
    {
        var (source, acks, plain) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var root = Register(source);
        Start(source, root);
        var child = Register(source, parent: root);
        Start(source, child);
        for (var i = 0; i < 500; i++)
        {
            Coordinator.Tell(new DispatchThunkAction(i, i % 2 == 0 ? root : child, Acknowledge: i % 100 == 99), i % 100 == 99 ? acks.Ref : source.Ref);
        }

        Complete(source, child);
        Complete(source, root);
        Dispatch(plain, "after");

        Assert.Equal([100L, 200L, 300L, 400L, 500L], Enumerable.Range(0, 5).Select(_ => acks.ExpectMsg<ThunkActionApplied>().StoreVersion));
        AwaitAssert(() => Assert.Equal([.. Enumerable.Range(0, 500).Cast<object>(), "after"], AppliedLog()));
    }

    [Fact]
    public void Waiting_trees_should_get_the_lock_by_priority_then_first_come()
    {
        var holder = CreateTestProbe();
        var held = Register(holder, "holder");
        Start(holder, held);
        var waiters = new[] { 1, 9, 5, 9 }.Select((priority, i) => (Probe: CreateTestProbe(), Id: $"p{priority}-{i}", Priority: priority)).ToList();
        foreach (var (probe, id, priority) in waiters)
        {
            Register(probe, id, priority: priority);
            Coordinator.Tell(new StartThunk(id), probe.Ref);
        }

        ExpectMsg<RootThunkChanged>();
        Complete(holder, held);
        ExpectMsg<RootThunkCompleted>();
        var order = new List<string>();
        for (var i = 0; i < waiters.Count; i++)
        {
            var next = ExpectMsg<RootThunkChanged>().RootId;
            order.Add(next);
            var waiter = waiters.Single(w => w.Id == next);
            waiter.Probe.ExpectMsg<ThunkStarted>();
            Complete(waiter.Probe, next);
            ExpectMsg<RootThunkCompleted>();
        }

        Assert.Equal(["p9-1", "p9-3", "p5-2", "p1-0"], order);
    }

    [Fact]
    public void Trees_with_disjoint_keys_should_hold_their_locks_at_once_and_overlapping_or_keyless_ones_wait()
    {
        var probes = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToArray();
        var onA = Register(probes[0], "on-a", keys: new HashSet<string> { "a" });
        var onB = Register(probes[1], "on-b", keys: new HashSet<string> { "b" });
        var onAB = Register(probes[2], "on-ab", keys: new HashSet<string> { "a", "b" });
        var keyless = Register(probes[3], "keyless");

        Start(probes[0], onA);
        Start(probes[1], onB);
        Coordinator.Tell(new StartThunk(onAB), probes[2].Ref);
        Coordinator.Tell(new StartThunk(keyless), probes[3].Ref);
        Assert.Equal(["on-a", "on-b"], Summary().ActiveRoots.Order());
        Complete(probes[0], onA);
        probes[2].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Complete(probes[1], onB);
        probes[2].ExpectMsg<ThunkStarted>();
        probes[3].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Complete(probes[2], onAB);

        probes[3].ExpectMsg<ThunkStarted>();
        Assert.Equal(["keyless"], Summary().ActiveRoots);
    }
}
