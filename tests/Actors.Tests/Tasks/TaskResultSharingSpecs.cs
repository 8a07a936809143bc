using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;

namespace Actors.Tests.Tasks;

/// <summary>Single flight and result caching: identical inputs share one run (and, within the TTL, its result).</summary>
public sealed class TaskResultSharingSpecs() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"").WithFallback(ActorsConfig.Defaults))
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _runs;

    [Fact]
    public async Task Identical_concurrent_inputs_should_share_one_run_and_the_result_within_the_ttl()
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<string, string>("lookup", async (key, _) =>
            {
                Interlocked.Increment(ref _runs);
                await _release.Task;
                return key.ToUpperInvariant();
            }, TaskPresets.ExternalApi.WithResultSharing(new TaskResultSharing(Ttl: TimeSpan.FromMinutes(1)))),
        ]);

        var same = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => queue.SubmitAsync("lookup", "a")));
        var other = Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("lookup", "b"));

        Assert.Single(same.Select(r => Assert.IsType<SubmitAccepted>(r).TaskId).Distinct());
        Assert.NotEqual(((SubmitAccepted)same[0]).TaskId, other.TaskId);
        _release.SetResult();
        await AwaitAssertAsync(async () => Assert.Equal(2, (await queue.ListAsync(TaskState.Completed)).Count));
        Assert.Equal(2, _runs);

        // Within the TTL the result is reused; after it, the input runs again.
        var cached = Assert.IsType<SubmitCompleted>(await queue.SubmitAsync("lookup", "a")).Record;
        Assert.Equal((((SubmitAccepted)same[0]).TaskId, (object?)"A"), (cached.Id, cached.Result));
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromMinutes(2));
        Assert.NotEqual(cached.Id, Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("lookup", "a")).TaskId);
        await AwaitAssertAsync(() => Assert.Equal(3, _runs));
    }
}
