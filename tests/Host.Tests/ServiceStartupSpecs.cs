using System.Net;

namespace Host.Tests;

/// <summary>The service starts its parts in order (Actors.Orchestration) and is ready only once they are up.</summary>
public sealed class ServiceStartupSpecs
{
    [Fact]
    public async Task The_service_should_be_ready_once_its_ordered_start_up_has_brought_up_the_queue_the_jobs_and_the_thunks()
    {
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        var ready = await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var logged = await Poll.UntilAsync(() => Task.FromResult(service.Output), output => output.Contains("Start-up done in", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        Assert.Equal(HttpStatusCode.OK, ready);
        var line = logged.Split('\n').Single(l => l.Contains("Start-up done in", StringComparison.Ordinal));
        Assert.Contains("task-queue", line);
        Assert.Contains("jobs", line);
        Assert.Contains("thunks", line);
        Assert.DoesNotContain("cluster-membership", line);
    }
}
