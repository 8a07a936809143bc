using Actors.Compute;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class TimeoutSpecs(ITestOutputHelper output)
    : ComputeSpec(output, ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\""))
{
    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_unit_past_its_timeout_should_fail_with_a_timeout_and_see_its_token()
    {
        using var started = new ManualResetEventSlim();
        var sawToken = false;
        var unit = WorkUnit.Create((int x, WorkContext ctx) =>
        {
            started.Set();
            sawToken = WaitForCancellation(ctx);
            return x;
        }, 7, new WorkOptions { Timeout = TimeSpan.FromSeconds(5) });

        var run = Pool.AllAsync([unit]);
        Assert.True(started.Wait(Patience));
        Clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(WorkStatus.Running, unit.Status);
        Clock.Advance(TimeSpan.FromSeconds(0.1));

        var error = await Assert.ThrowsAsync<WorkUnitTimeoutException>(() => run);
        Assert.Equal(1, error.Attempt);
        await AwaitAssertAsync(() => Assert.True(sawToken));
        Assert.Equal(WorkStatus.Failed, unit.Status);
    }

    [Fact]
    public async Task A_timed_out_attempt_should_be_retried_after_its_function_returns()
    {
        using var firstStarted = new ManualResetEventSlim();
        var unit = WorkUnit.Create((int x, WorkContext ctx) =>
        {
            if (ctx.Attempt == 1)
            {
                firstStarted.Set();
                WaitForCancellation(ctx);
                return -1;
            }

            return x;
        }, 7, new WorkOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 1 });

        var run = Pool.AllAsync([unit]);
        Assert.True(firstStarted.Wait(Patience));
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(new[] { 7 }, await run);
        Assert.Equal(2, unit.Attempts);
    }
}
