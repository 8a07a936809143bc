using System.Net;
using System.Text.Json;

namespace Host.Tests;

/// <summary>A start rate set for a task type in the service's settings holds in the real process.</summary>
public sealed class TaskRateLimitServiceSpecs
{
    [Fact]
    public async Task Ten_tasks_of_a_type_limited_to_2_a_second_should_start_over_at_least_3_seconds_and_all_complete()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["Service__TaskTypeRatePerSecond__compute.primes"] = "2" });
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var response = await http.PostAsync("/api/tasks/compute.primes", Json.Body("""{ "input": { "below": 100 } }"""));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.ReadJsonAsync()).Text("id"));
        }

        var records = await Poll.UntilAsync(async () => await Task.WhenAll(ids.Select(async id => await (await http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync())),
            all => all.All(record => record.Text("status") == "completed"), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        Assert.All(records, record => Assert.Equal("completed", record.Text("status")));
        var starts = records.Select(record => record.GetProperty("startedAt").GetDateTimeOffset()).Order().ToList();
        // 2 at once, then 2 at each of the queue's second ticks (the first tick comes up to a second after the first start):
        // the fifth needs two ticks, the tenth four (a timer may run late, never early).
        Assert.True(starts[4] - starts[0] >= TimeSpan.FromSeconds(0.9), $"Five tasks started within {(starts[4] - starts[0]).TotalSeconds:F2} s.");
        Assert.True(starts[^1] - starts[0] >= TimeSpan.FromSeconds(2.9), $"The ten tasks started within {(starts[^1] - starts[0]).TotalSeconds:F2} s.");
    }
}
