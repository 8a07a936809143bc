using System.Diagnostics;
using Actors.Tasks;
using Actors.TestKit;

namespace Actors.Benchmarks;

/// <summary>
/// How long a user's test with the task-queue harness takes: the testing guide's "retries 3 times with
/// backoff 1, 2, 4 s, then fails as fatal" test (docs/testing.md), its body timed from harness start to
/// the last assertion. Run first in the process, it pays every JIT cost, as the first test of a suite would.
/// </summary>
internal static class TestKitQuick
{
    private const int WarmRuns = 20;

    public static async Task RunAsync(Figures figures)
    {
        var (systemStart, first) = await OneAsync();
        figures.Report("baseline.testkit.system_start_ms", systemStart, "ms");
        figures.Report("testkit.retry_test.first_ms", first, "ms");
        figures.Goal("testkit.retry_test.first_ms", first, "< 100", first < 100);

        var warm = new List<double>();
        for (var i = 0; i < WarmRuns; i++)
        {
            warm.Add((await OneAsync()).Test);
        }

        var median = warm.Order().ElementAt(WarmRuns / 2);
        figures.Report("testkit.retry_test.median_ms", median, "ms");
        figures.Goal("testkit.retry_test.median_ms", median, "< 100", median < 100);
    }

    /// <summary>A fresh TestKit (timed: the baseline) and the test body in it (timed).</summary>
    private static async Task<(double SystemStart, double Test)> OneAsync()
    {
        var clock = Stopwatch.StartNew();
        var testKit = new Akka.TestKit.Xunit2.TestKit(ActorsTestConfig.VirtualTime);
        var systemStart = clock.Elapsed.TotalMilliseconds;
        try
        {
            clock.Restart();
            using var harness = TaskQueueHarness.Start(testKit, Upload);
            var id = await harness.SubmitAsync("upload", "cat.png");
            var record = await harness.RunToEndAsync(id);
            var waits = harness.EventsOf(id).OfType<TaskFailed>().Where(f => !f.IsFinal).Select(f => (f.RetryAt!.Value - f.Timestamp).TotalSeconds).ToArray();
            if (!waits.SequenceEqual([1.0, 2, 4]) || record.Status != TaskState.Failed || record.Error!.Class != TaskErrorClass.Fatal)
            {
                throw new InvalidOperationException($"The harness test did not see what it should: waits {string.Join(",", waits)}, {record.Status}, {record.Error?.Class}.");
            }

            return (systemStart, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            testKit.Shutdown();
        }
    }

    private static readonly TaskDefinition Upload = TaskDefinition.Create<string, string>("upload", (file, task) =>
            task.Attempt < 4 ? throw new TimeoutException("storage did not answer") : throw new FatalTaskException($"{file} is corrupt"),
        TaskPresets.ExternalApi.WithRetry(new RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), 0)));
}
