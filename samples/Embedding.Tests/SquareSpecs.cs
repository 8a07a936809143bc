using Actors.Tasks;
using Actors.TestKit;
using Akka.TestKit.Xunit2;
using Xunit;

namespace Embedding.Tests;

// A user's test of a task type, with the Actors.TestKit package.
public sealed class SquareSpecs() : TestKit(ActorsTestConfig.VirtualTime)
{
    private static readonly TaskDefinition Flaky = TaskDefinition.Create<int, int>("flaky", (n, task) =>
            task.Attempt < 3 ? throw new TimeoutException("busy") : Task.FromResult(n * n),
        TaskPresets.ExternalApi.WithRetry(new RetryPolicy(3, TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(10), 0)));

    [Fact]
    public async Task A_flaky_square_should_succeed_on_its_third_attempt()
    {
        using var harness = TaskQueueHarness.Start(this, Flaky);

        var record = await harness.RunToEndAsync(await harness.SubmitAsync("flaky", 9));

        Assert.Equal((TaskState.Completed, 3, (object?)81), (record.Status, record.Attempts, record.Result));
    }
}
