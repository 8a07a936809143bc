using Actors.Orchestration;
using Akka.Configuration;
using Akka.TestKit;

namespace Actors.Tests.Orchestration;

/// <summary>Retries and timeouts of start-up components, under virtual time (the group's timers run on a test scheduler).</summary>
public sealed class StartupTimingSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\""))
{
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_component_that_fails_twice_should_start_on_its_third_attempt_after_backing_off()
    {
        var attempts = 0;
        var run = Startup.RunAsync(Sys, [new StartupComponent("index", _ => ++attempts < 3 ? throw new IOException("locked") : Task.CompletedTask, Retries: 2)]);

        await AwaitAssertAsync(() => Assert.Equal(1, Volatile.Read(ref attempts)));
        Scheduler.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(1, Volatile.Read(ref attempts));
        await AwaitAssertAsync(() =>
        {
            Scheduler.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(run.IsCompleted);
        });

        var report = await run;
        Assert.Equal((ComponentOutcome.Started, 3), (report.Components.Single().Outcome, report.Components.Single().Attempts));
    }

    [Fact]
    public async Task A_component_that_never_completes_should_time_out_with_its_token_cancelled()
    {
        var cancelled = new TaskCompletionSource();
        var run = Startup.RunAsync(Sys,
        [
            new StartupComponent("search", token =>
            {
                token.Register(() => cancelled.TrySetResult());
                return new TaskCompletionSource().Task; // ignores its token: only the group's timeout ends it
            }, Required: false, Timeout: TimeSpan.FromSeconds(5)),
        ]);

        await AwaitAssertAsync(() =>
        {
            Scheduler.Advance(TimeSpan.FromSeconds(1));
            Assert.True(run.IsCompleted);
        });

        var search = (await run).Components.Single();
        Assert.Equal(ComponentOutcome.Failed, search.Outcome);
        Assert.Contains("did not complete within 00:00:05", search.Error);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
