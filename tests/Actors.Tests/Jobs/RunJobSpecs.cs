using System.Collections.Immutable;
using Actors.Jobs;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

public sealed class RunJobSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task RunJob_should_create_exactly_one_job_under_a_burst_of_concurrent_calls_for_one_key()
    {
        var jobs = JobManager.Start<ImmutableList<string>, Append>(Sys, "burst");
        var factoryCalls = 0;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await go.Task;
            return await Task.WhenAll(Enumerable.Range(0, 125).Select(_ => jobs.RunJobAsync("page-1", () =>
            {
                Interlocked.Increment(ref factoryCalls);
                return new LogJob();
            })));
        })).ToArray();

        go.SetResult();
        var results = (await Task.WhenAll(callers)).SelectMany(r => r).ToList();

        Assert.Equal(1000, results.Count);
        Assert.Single(results.OfType<JobCreated>());
        Assert.Equal(999, results.OfType<JobAlreadyRunning>().Count());
        Assert.Equal(1, factoryCalls);
        Assert.Single(results.Select(r => r is JobCreated c ? c.Job : ((JobAlreadyRunning)r).Job).Distinct());
        Assert.Equal(["page-1"], await jobs.GetRunningJobKeysAsync());
        Sys.ActorSelection("/user/jobs-burst/*").Tell(new Identify("child"), TestActor);
        ExpectMsg<ActorIdentity>(id => id.Subject is not null);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task RunJob_should_refuse_an_empty_key_or_a_missing_factory_naming_the_problem()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "bad-input");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => jobs.RunJobAsync("", () => new CounterJob()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => jobs.RunJobAsync("k", null!));

        jobs.Manager.Tell(new RunJob<int, CounterJob.Add>("", () => new CounterJob()));
        Assert.Contains("non-empty", ExpectMsg<JobRejected>().Reason);
        jobs.Manager.Tell(new RunJob<int, CounterJob.Add>("k", null!));
        Assert.Contains("no factory", ExpectMsg<JobRejected>().Reason);
        Assert.IsType<JobCreated>(await jobs.RunJobAsync("k", () => new CounterJob()));
    }

    [Fact]
    public async Task RunJob_should_report_a_throwing_factory_and_keep_serving()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "factory-throws");

        var error = await Assert.ThrowsAsync<JobRejectedException>(() =>
            jobs.RunJobAsync("k", () => throw new InvalidOperationException("no connection string")));

        Assert.Contains("no connection string", error.Message);
        Assert.Equal("k", error.Key);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Null(await jobs.GetRunningJobAsync("k"));
        Assert.IsType<JobCreated>(await jobs.RunJobAsync("k", () => new CounterJob()));
    }

    [Fact]
    public async Task RunJob_should_reject_a_factory_that_returns_null_or_a_job_that_already_ran()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "factory-null");
        var reused = new CounterJob();
        await jobs.RunJobAsync("first", () => reused);

        var nullJob = await Assert.ThrowsAsync<JobRejectedException>(() => jobs.RunJobAsync("k", () => null!));
        var twice = await Assert.ThrowsAsync<JobRejectedException>(() => jobs.RunJobAsync("second", () => reused));

        Assert.Contains("returned null", nullJob.Message);
        Assert.Contains("new job", twice.Message);
    }

    [Fact]
    public void A_manager_should_reject_commands_for_another_job_kind_with_a_clear_reason()
    {
        var jobs = JobManager.Start<int, CounterJob.Add>(Sys, "typed");

        jobs.Manager.Tell(new RunJob<ImmutableList<string>, Append>("k", () => new LogJob()));

        var rejected = ExpectMsg<JobRejected>();
        Assert.Contains("Job<Int32, Add>", rejected.Reason);
        Assert.Contains("RunJob", rejected.Reason);
    }

    [Fact]
    public void Start_should_refuse_a_second_manager_with_the_same_name_or_an_invalid_name()
    {
        JobManager.Start<int, CounterJob.Add>(Sys, "twice");

        var duplicate = Assert.Throws<InvalidOperationException>(() => JobManager.Start<int, CounterJob.Add>(Sys, "twice"));
        var invalid = Assert.Throws<ArgumentException>(() => JobManager.Start<int, CounterJob.Add>(Sys, "has space"));

        Assert.Contains("already running", duplicate.Message);
        Assert.Contains("ASCII letters", invalid.Message);
    }
}
