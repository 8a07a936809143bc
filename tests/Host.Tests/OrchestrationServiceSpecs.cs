using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Host.Tests;

/// <summary>Per-host breakers of http.fetch and the batched sqlite.insert, in the real process.</summary>
public sealed class OrchestrationServiceSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failing_hosts_breaker_should_open_hold_its_fetches_and_show_in_task_types_health_and_events()
    {
        await using var upstream = await Upstream.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        var host = new Uri(upstream.Urls.Single()).Authority;
        await using var service = await ServiceProcess.StartAsync(Patience, new Dictionary<string, string>
        {
            ["Service__HttpFetch__AllowPrivateNetworks"] = "true",
            ["Service__HttpFetch__BreakerFailures"] = "3",
            ["Service__HttpFetch__BreakerOpenSeconds"] = "300",
        });
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, Patience, TimeSpan.FromMilliseconds(100));
        using var watching = new CancellationTokenSource(Patience);
        using var feed = await http.GetAsync("/api/events?types=task", HttpCompletionOption.ResponseHeadersRead, watching.Token);
        using var events = new SseReader(await feed.Content.ReadAsStreamAsync(watching.Token));
        await events.SubscribedAsync(watching.Token);

        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var response = await http.PostAsync("/api/tasks/http.fetch", Json.Body($$"""{ "input": { "url": "{{upstream.Urls.Single()}}/item/{{i}}" } }"""));
            ids.Add((await response.ReadJsonAsync()).Text("id"));
        }

        (string Name, JsonElement Data)? opened;
        do
        {
            opened = await events.NextAsync(watching.Token);
            Assert.NotNull(opened);
        }
        while (opened.Value.Name != "task-type.circuit");

        var circuit = opened.Value.Data;
        Assert.Equal(("http.fetch", host, "open"), (circuit.Text("taskType"), circuit.Text("key"), circuit.Text("state")));

        var types = await (await http.GetAsync("/api/task-types")).ReadJsonAsync();
        var fetch = types.EnumerateArray().Single(t => t.Text("type") == "http.fetch");
        Assert.Equal(3, fetch.GetProperty("policies").GetProperty("circuitBreaker").GetProperty("failuresToOpen").GetInt32());
        var hostHealth = fetch.GetProperty("keys").EnumerateArray().Single(k => k.Text("key") == host);
        Assert.Equal(("open", 1.0), (hostHealth.Text("circuit"), hostHealth.GetProperty("errorRate").GetDouble()));
        var health = await (await http.GetAsync("/health")).ReadJsonAsync();
        Assert.True(health.Text("status") == "Degraded", health.ToString());
        var check = health.GetProperty("checks").GetProperty("task-types");
        Assert.Contains($"http.fetch[{host}] (Open)", check.Text("description"));
        Assert.Equal("Open", check.GetProperty("data").GetProperty($"http.fetch[{host}]").Text("circuit"));
        Assert.Equal("Healthy", (await (await http.GetAsync("/health/ready")).ReadJsonAsync()).Text("status"));

        // Its fetches wait (none fails for good while the breaker is open); the other types go on.
        var records = await Task.WhenAll(ids.Select(async id => await (await http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync()));
        Assert.DoesNotContain(records, record => record.Text("status") is "failed" or "completed");
        Assert.Contains(records, record => record.Text("status") == "waiting");
        var primes = await (await http.PostAsync("/api/tasks/compute.primes", Json.Body("""{ "input": { "below": 1000 }, "waitMs": 20000 }"""))).ReadJsonAsync();
        Assert.Equal("completed", primes.Text("status"));
    }

    [Fact]
    public async Task Concurrent_sqlite_inserts_should_share_transactions_and_each_complete_with_its_own_result()
    {
        await using var service = await ServiceProcess.StartAsync(Patience);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, Patience, TimeSpan.FromMilliseconds(100));

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
            await (await http.PostAsync("/api/tasks/sqlite.insert", Json.Body($$"""{ "input": { "key": "k{{i}}", "value": "v{{i}}" }, "waitMs": 30000 }"""))).ReadJsonAsync()));

        Assert.All(responses, (task, i) =>
        {
            Assert.Equal("completed", task.Text("status"));
            Assert.Equal($"k{i}", task.GetProperty("result").Text("key"));
        });
        var batchSizes = responses.Select(task => task.GetProperty("result").GetProperty("batchSize").GetInt32()).ToList();
        Assert.True(batchSizes.Max() > 1, $"No insert shared a transaction: batch sizes {string.Join(",", batchSizes.Distinct())}.");
    }
}
