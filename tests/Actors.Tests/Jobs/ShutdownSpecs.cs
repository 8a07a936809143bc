using Actors.Jobs;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class ShutdownSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task Terminating_a_system_with_many_idle_jobs_should_stop_each_one_and_report_it()
    {
        // A fresh system whose scheduler has never run (jobs created by message, not Ask, which would
        // start it), as in a service that shuts down before anything used a timer.
        var system = ActorSystem.Create("many-jobs", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        var jobs = JobManager.Start<int, CounterJob.Add>(system, "many");
        var created = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var replies = system.ActorOf(Props.Create(() => new ReplyCounter(20_000, created)));
        for (var i = 0; i < 20_000; i++)
        {
            jobs.Manager.Tell(new RunJob<int, CounterJob.Add>($"job-{i}", () => new CounterJob()), replies);
        }

        Assert.Equal(20_000, await created.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var counter = system.ActorOf(Props.Create(() => new StoppedCounter()));
        system.EventStream.Subscribe(counter, typeof(JobStopped));
        var stoppedBeforeTermination = 0;
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "count-stopped-jobs", async () =>
        {
            stoppedBeforeTermination = await counter.Ask<int>("how many?");
            return Done.Instance;
        });

        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(20_000, stoppedBeforeTermination);
    }

    /// <summary>Counts <see cref="JobCreated"/> replies and reports the count once all have come.</summary>
    private sealed class ReplyCounter(int expected, TaskCompletionSource<int> done) : UntypedActor
    {
        private int _created;

        protected override void OnReceive(object message)
        {
            if (message is JobCreated && ++_created == expected)
            {
                done.TrySetResult(_created);
            }
        }
    }

    /// <summary>Counts <see cref="JobStopped"/> events; answers any other message with the count.</summary>
    private sealed class StoppedCounter : UntypedActor
    {
        private int _stopped;

        protected override void OnReceive(object message)
        {
            if (message is JobStopped { Reason: JobStopReason.Stopped })
            {
                _stopped++;
            }
            else
            {
                Sender.Tell(_stopped);
            }
        }
    }
}

/// <summary>Shutdown under virtual time: the manager enforces one stop timeout for all its jobs.</summary>
public sealed class ShutdownDeadlineSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
    "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"\nactors.jobs.stop-timeout = 30s", output: output)
{
    [Fact]
    public async Task StopAllJobs_should_stop_stubborn_jobs_when_the_managers_deadline_passes_and_refuse_new_jobs()
    {
        var jobs = JobManager.Start<string, string>(Sys, "draining");
        var stubborn = Enumerable.Range(0, 3).Select(_ => new StubbornJob()).ToList();
        for (var i = 0; i < stubborn.Count; i++)
        {
            var job = stubborn[i];
            await jobs.RunJobAsync($"s{i}", () => job);
        }

        jobs.Manager.Tell(StopAllJobs.Instance);
        jobs.Manager.Tell(new RunJob<string, string>("late", () => new StubbornJob()));
        Assert.Contains("shutting down", ExpectMsg<JobRejected>().Reason);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        ((Akka.TestKit.TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(30));

        ExpectMsg<Done>();
        Assert.Empty(await jobs.GetRunningJobKeysAsync());
        stubborn.ForEach(job => job.Release());
        await Task.WhenAll(stubborn.Select(job => job.CleanedUp)).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
