using System.Collections.Immutable;
using Actors.Jobs;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class StopSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task StopAsync_should_cancel_the_work_and_free_the_key_once_the_actor_has_stopped()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "stop");
        var job = new LogJob();
        await jobs.RunJobAsync("doc", () => job);
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        var listener = CreateTestProbe();
        var subscriber = CreateTestProbe();
        handle.OnStopped(stopped => listener.Ref.Tell(stopped));
        handle.Job.Tell(new SubscribeToJob(subscriber.Ref));
        subscriber.ExpectMsg<JobStateChanged<ImmutableList<string>>>();
        Watch(handle.Job);

        var stopped = await handle.StopAsync();

        Assert.Equal(new JobStopped("stop", "doc", JobStopReason.Stopped), stopped);
        Assert.True(job.TokenCancelled.IsCompleted);
        Assert.True(job.CleanedUp.IsCompleted);
        ExpectTerminated(handle.Job);
        Assert.Null(await jobs.GetRunningJobAsync("doc"));
        Assert.Equal(stopped, listener.ExpectMsg<JobStopped>());
        Assert.Equal(stopped, subscriber.ExpectMsg<JobStopped>());
        Assert.Equal(stopped, await handle.StopAsync());
        listener.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Throws<InvalidOperationException>(() => handle.Dispatch(new Append("a", 1)));
        Assert.IsType<JobCreated>(await jobs.RunJobAsync("doc", () => new LogJob()));
    }

    [Fact]
    public async Task A_job_whose_work_returns_should_end_as_completed()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "complete");
        var job = new LogJob();
        await jobs.RunJobAsync("doc", () => job);
        var handle = (await jobs.GetRunningJobAsync("doc"))!;

        job.Finish();

        Assert.Equal(JobStopReason.Completed, (await handle.Completion).Reason);
        Assert.Null(await jobs.GetRunningJobAsync("doc"));
    }

    [Fact]
    public async Task A_job_whose_work_throws_should_end_as_failed_and_everyone_should_hear_the_error()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "fail");
        var job = new LogJob();
        await jobs.RunJobAsync("doc", () => job);
        var handle = (await jobs.GetRunningJobAsync("doc"))!;
        var subscriber = CreateTestProbe();
        var listener = CreateTestProbe();
        handle.Job.Tell(new SubscribeToJob(subscriber.Ref));
        subscriber.ExpectMsg<JobStateChanged<ImmutableList<string>>>();
        handle.OnStopped(stopped => listener.Ref.Tell(stopped));
        Sys.EventStream.Subscribe(TestActor, typeof(JobStopped));

        job.Finish(new IOException("disk full"));

        var heard = subscriber.ExpectMsg<JobStopped>();
        Assert.Equal(JobStopReason.Failed, heard.Reason);
        Assert.Contains("disk full", heard.Error);
        Assert.Equal(heard, listener.ExpectMsg<JobStopped>());
        Assert.Equal(heard, ExpectMsg<JobStopped>());
        Assert.Equal(heard, await handle.Completion);
    }

    [Fact]
    public async Task A_job_whose_handler_throws_should_end_as_failed_and_the_dispatcher_should_hear_why()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "handler-fails");
        var job = new LogJob();
        await jobs.RunJobAsync("doc", () => job);
        var handle = (await jobs.GetRunningJobAsync("doc"))!;

        var error = await Assert.ThrowsAsync<JobActionRejectedException>(() => handle.DispatchAsync(new Append("a", 1, Yield: true, Throw: true)));

        Assert.Contains("cannot append a:1", error.Message);
        var stopped = await handle.Completion;
        Assert.Equal(JobStopReason.Failed, stopped.Reason);
        Assert.Contains("cannot append a:1", stopped.Error);
        Assert.True(job.TokenCancelled.IsCompleted);
    }

    [Fact]
    public async Task Actions_waiting_when_a_job_stops_should_be_rejected_not_dropped()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "waiting");
        var created = (JobCreated)await jobs.RunJobAsync("doc", () => new LogJob());

        created.Job.Tell(new Dispatch(new Append("a", 1, Yield: true, Throw: true)));
        created.Job.Tell(new Dispatch(new Append("a", 2)));

        var rejected = ExpectMsg<ActionRejected>();
        Assert.Equal(new Append("a", 2), rejected.Action);
        Assert.Contains("stopped (Failed)", rejected.Reason);
    }

    [Fact]
    public async Task StopJob_by_message_should_answer_after_the_job_stopped_and_JobNotRunning_for_an_unknown_key()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "stop-by-message");
        await jobs.RunJobAsync("c", () => new CounterJob());

        jobs.Manager.Tell(new StopJob("c"));
        Assert.Equal(JobStopReason.Stopped, ExpectMsg<JobStopped>().Reason);
        jobs.Manager.Tell(new StopJob("c"));
        ExpectMsg(new JobNotRunning("c"));
    }

    [Fact]
    public async Task Stopping_an_old_handle_should_not_stop_a_newer_job_under_the_same_key()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "incarnations");
        await jobs.RunJobAsync("c", () => new CounterJob());
        var old = (await jobs.GetRunningJobAsync("c"))!;
        await old.StopAsync();
        await jobs.RunJobAsync("c", () => new CounterJob());

        await old.StopAsync();
        jobs.Manager.Tell(new StopJob("c", old.Job));

        ExpectMsg(new JobNotRunning("c"));
        Assert.NotNull(await jobs.GetRunningJobAsync("c"));
    }
}
