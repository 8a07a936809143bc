using Actors.Jobs;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

/// <summary>Stop timeouts under virtual time: the scheduler only moves when the test advances it.</summary>
public sealed class StopTimeoutSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
    "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"\nactors.jobs.stop-timeout = 30s", output: output)
{
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task A_job_that_ignores_cancellation_should_be_stopped_when_the_stop_timeout_passes()
    {
        var jobs = JobManager.Start<string, string>(Sys, "stubborn");
        var job = new StubbornJob();
        var created = (JobCreated)await jobs.RunJobAsync("s", () => job);
        Watch(created.Job);

        jobs.Manager.Tell(new StopJob("s"));
        // Once the job rejects actions as stopping, it has begun to stop and scheduled its deadline.
        await AwaitAssertAsync(async () => Assert.Contains("is stopping",
            Assert.IsType<ActionRejected>(await created.Job.Ask<DispatchResult>(new Dispatch("ping", Acknowledge: true))).Reason));
        Scheduler.Advance(TimeSpan.FromSeconds(29));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        // Terminated comes from the job and JobStopped from its manager: either may arrive first.
        var messages = ReceiveN(2);
        Assert.Contains(messages, m => m is Terminated t && t.ActorRef.Equals(created.Job));
        Assert.Contains(messages, m => m is JobStopped { Reason: JobStopReason.Stopped });
        job.Release();
        await job.CleanedUp.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_job_that_honours_cancellation_should_stop_without_waiting_for_the_timeout()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "prompt");
        await jobs.RunJobAsync("c", () => new CounterJob());

        jobs.Manager.Tell(new StopJob("c"));

        Assert.Equal(JobStopReason.Stopped, ExpectMsg<JobStopped>().Reason);
    }
}
