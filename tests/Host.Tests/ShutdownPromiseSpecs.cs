using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Host.Tests;

/// <summary>The shutdown grace the docs promise, against the real process and its journal.</summary>
public sealed class ShutdownPromiseSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_task_that_needs_7_s_of_the_default_10_s_grace_should_finish_before_the_exit_and_not_run_again()
    {
        var hits = 0;
        var upstreamDelay = TimeSpan.FromSeconds(7);
        await using var upstream = await Upstream.StartAsync(async context =>
        {
            Interlocked.Increment(ref hits);
            await Task.Delay(upstreamDelay); // a slow upstream, not a test's wait
            await context.Response.WriteAsync("done");
        });
        var folder = Directory.CreateTempSubdirectory("actors-grace-");
        var environment = new Dictionary<string, string> { ["Service__HttpFetch__AllowPrivateNetworks"] = "true" };
        string id;
        await using (var first = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            id = (await (await http.PostJsonAsync("/api/tasks/http.fetch", JsonSerializer.Serialize(new { input = new { url = upstream.Urls.Single() } }))).ReadJsonAsync()).Text("id");
            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref hits)), n => n == 1);

            var watch = Stopwatch.StartNew();
            var exiting = first.TerminateAsync(Patience);
            var refused = await Poll.UntilAsync(async () => (await http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 10 } }""")).StatusCode,
                status => status == HttpStatusCode.ServiceUnavailable);
            var exitCode = await exiting;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused);
            Assert.Equal(0, exitCode);
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(6), $"exited after {watch.Elapsed.TotalSeconds:0.0} s, before the task's 7 s were up");
            Assert.DoesNotContain("ERR]", first.Output); // draining answers 503 by design: not an error
        }

        await using var second = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        var task = await (await again.GetAsync($"/api/tasks/{id}")).ReadJsonAsync();

        Assert.Equal("completed", task.Text("status"));
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Equal(1, hits);
    }

    [Fact]
    public async Task A_compute_task_cut_off_by_the_grace_should_run_again_after_the_restart_not_fail()
    {
        var folder = Directory.CreateTempSubdirectory("actors-grace-");
        var environment = new Dictionary<string, string> { ["Service__ShutdownGraceSeconds"] = "1" };
        string id;
        await using (var first = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            id = (await (await http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 2000000000 } }""")).ReadJsonAsync()).Text("id");
            await Poll.UntilAsync(async () => (await (await http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync()).Text("status"), s => s == "running");

            Assert.Equal(0, await first.TerminateAsync(Patience));
        }

        await using var second = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        var task = await Poll.UntilAsync(async () => await (await again.GetAsync($"/api/tasks/{id}")).ReadJsonAsync(),
            t => t.GetProperty("attempts").GetInt32() == 2 || t.Text("status") is "failed" or "cancelled", TimeSpan.FromSeconds(30));

        Assert.Contains(task.Text("status"), new[] { "running", "completed" });
        Assert.Equal(2, task.GetProperty("attempts").GetInt32());
    }
}
