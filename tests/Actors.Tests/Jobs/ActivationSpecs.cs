using Actors.Jobs;
using Xunit.Abstractions;

namespace Actors.Tests.Jobs;

/// <summary>
/// Jobs activated on first use (<see cref="IJobManager{TState,TAction}.DispatchAsync(string, TAction, Func{Job{TState,TAction}}, CancellationToken)"/>),
/// jobs with no work of their own, and the mailbox that job actors get.
/// </summary>
public sealed class ActivationSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task A_first_call_should_start_the_job_and_later_calls_should_reach_the_same_job()
    {
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "activated");
        var factoryCalls = 0;
        Job<int, TallyJob.Add> Factory()
        {
            Interlocked.Increment(ref factoryCalls);
            return new TallyJob();
        }

        await jobs.DispatchAsync("a", new TallyJob.Add(2), Factory);
        await jobs.DispatchAsync("a", new TallyJob.Add(3), Factory);

        var handle = await jobs.GetRunningJobAsync("a");
        Assert.NotNull(handle);
        Assert.Equal(5, handle.State);
        Assert.Equal(1, factoryCalls);
    }

    [Fact]
    public async Task Concurrent_first_calls_for_one_key_should_start_one_job_that_handles_every_action()
    {
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "burst");
        var factoryCalls = 0;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => jobs.DispatchAsync("k", new TallyJob.Add(1), () =>
        {
            Interlocked.Increment(ref factoryCalls);
            return new TallyJob();
        }))));

        Assert.Equal(50, (await jobs.GetRunningJobAsync("k"))!.State);
        Assert.Equal(1, factoryCalls);
    }

    [Fact]
    public async Task A_factory_that_throws_or_a_handler_that_throws_should_fail_the_call_saying_which()
    {
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "failing");

        var rejected = await Assert.ThrowsAsync<JobRejectedException>(() =>
            jobs.DispatchAsync("broken", new TallyJob.Add(1), () => throw new InvalidOperationException("no job today")));
        var failed = await Assert.ThrowsAsync<JobActionRejectedException>(() =>
            jobs.DispatchAsync("throws", new TallyJob.Add(-1), () => new TallyJob()));

        Assert.Contains("no job today", rejected.Message);
        Assert.Contains("negative", failed.Message);
        Assert.Null(await jobs.GetRunningJobAsync("broken"));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.DispatchAsync(" ", new TallyJob.Add(1), () => new TallyJob()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => jobs.DispatchAsync("k", new TallyJob.Add(1), null!));
    }

    [Fact]
    public async Task A_job_without_work_should_handle_actions_until_it_is_stopped_and_then_stop_at_once()
    {
        // A stop timeout of an hour: if the job waited for work that never ends, its stop would not complete in the test.
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "no-work", new JobManagerOptions { StopTimeout = TimeSpan.FromHours(1) });
        await jobs.DispatchAsync("idle", new TallyJob.Add(1), () => new TallyJob());
        var handle = (await jobs.GetRunningJobAsync("idle"))!;
        await handle.DispatchAsync(new TallyJob.Add(1));

        Assert.False(handle.Completion.IsCompleted);
        var stopped = await handle.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(JobStopReason.Stopped, stopped.Reason);
        Assert.Equal(2, handle.State);
    }

    [Fact]
    public async Task Actions_told_from_many_threads_at_once_should_all_reach_a_job()
    {
        // Job actors get the small mailbox; producers racing a consumer that goes idle must never strand a message.
        const int Threads = 4, PerThread = 50_000;
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "many-senders");
        await jobs.DispatchAsync("sum", new TallyJob.Add(0), () => new TallyJob());
        var handle = (await jobs.GetRunningJobAsync("sum"))!;
        var one = new TallyJob.Add(1);

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                handle.Dispatch(one);
                if (i % 64 == 0)
                {
                    Thread.Yield(); // let the job drain and go idle between bursts, where a lost wake-up would strand one
                }
            }
        })));

        await AwaitAssertAsync(() => Assert.Equal(Threads * PerThread, handle.State), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Twenty_thousand_jobs_activated_at_once_should_all_answer()
    {
        var jobs = JobManager.Start<int, TallyJob.Add>(Sys, "many-jobs");

        await Task.WhenAll(Enumerable.Range(0, 20_000).Select(i => jobs.DispatchAsync($"k{i}", new TallyJob.Add(1), () => new TallyJob())))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(20_000, (await jobs.GetRunningJobKeysAsync()).Count);
    }
}

/// <summary>A job with no work of its own: it adds what it is sent, refusing negative amounts, until it is stopped.</summary>
public sealed class TallyJob() : Job<int, TallyJob.Add>(0)
{
    public sealed record Add(int Amount);

    protected override Task HandleAsync(Add action, CancellationToken cancellationToken)
    {
        if (action.Amount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(action), $"cannot add a negative amount ({action.Amount})");
        }

        SetState(State + action.Amount);
        return Task.CompletedTask;
    }
}
