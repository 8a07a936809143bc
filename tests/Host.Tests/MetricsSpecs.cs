using System.Net;

namespace Host.Tests;

/// <summary><c>/metrics</c> of the real process: the library's counters in Prometheus text format.</summary>
public sealed class MetricsSpecs
{
    [Fact]
    public async Task Curl_metrics_should_show_the_task_counters_and_attempt_durations_in_Prometheus_text_format()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 3; i++)
        {
            var task = await (await http.PostAsync("/api/tasks/compute.primes", Json.Body("""{ "input": { "below": 1000 }, "waitMs": 20000 }"""))).ReadJsonAsync();
            Assert.Equal("completed", task.Text("status"));
        }

        // The exporter reads the meters when scraped; its text is cached for a moment, so the counts show within a scrape or two.
        var text = await Poll.UntilAsync(async () => await (await http.GetAsync("/metrics")).Content.ReadAsStringAsync(),
            body => body.Contains("actors_tasks_ended_total{", StringComparison.Ordinal), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        var response = await http.GetAsync("/metrics");

        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE actors_tasks_submitted_total counter", text);
        Assert.Matches(@"actors_tasks_submitted_total\{[^}]*type=""compute\.primes""[^}]*\} 3", text);
        Assert.Matches(@"actors_tasks_ended_total\{[^}]*outcome=""completed""[^}]*type=""compute\.primes""[^}]*\} 3", text);
        Assert.Matches(@"actors_tasks_attempt_duration_seconds_count\{[^}]*type=""compute\.primes""[^}]*\} 3", text);
    }
}
