using Actors.Thunks;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Thunks;

/// <summary>Tree timeouts under virtual time.</summary>
public sealed class TimeoutSpecs : ThunkSpec
{
    public TimeoutSpecs(ITestOutputHelper output)
        : base(output, "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"\nactors.thunks.default-timeout = 30s")
    {
        StartCoordinator();
    }

    [Fact]
    public void A_tree_that_holds_its_lock_too_long_should_fail_and_the_next_tree_should_get_the_lock()
    {
        var (hung, next) = (CreateTestProbe(), CreateTestProbe());
        var root = Register(hung, "hung");
        Start(hung, root);
        var child = Register(hung, parent: root);
        Start(hung, child);
        Register(next, "next");
        Coordinator.Tell(new StartThunk("next"), next.Ref);
        var failures = CreateTestProbe();
        Sys.EventStream.Subscribe(failures.Ref, typeof(ThunkFailed));

        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(29));
        next.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(1));

        next.ExpectMsg<ThunkStarted>();
        Assert.Equal(new[] { root, child }.Order(), failures.ReceiveN(2).Cast<ThunkFailed>().Select(f => f.Id).Order());
        Dispatch(hung, "too late", child);
        Assert.Contains("timed out", hung.ExpectMsg<ThunkActionRefused>().Reason);
    }

    [Fact]
    public void A_root_may_set_its_own_timeout()
    {
        var source = CreateTestProbe();
        var root = Register(source, "quick", timeout: TimeSpan.FromSeconds(2));
        Start(source, root);

        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(2));

        AwaitAssert(() => Assert.Empty(Summary().ActiveRoots));
    }
}
