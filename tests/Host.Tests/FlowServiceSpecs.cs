using System.Net;
using System.Text.Json;

namespace Host.Tests;

/// <summary>Flows through the HTTP API of the real process: a demo flow of built-in types, errors, cancel, and a kill -9 mid-flow.</summary>
public sealed class FlowServiceSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The README's demo flow: count primes and store a record at once, analyse the code after the count, then store a summary.</summary>
    private const string DemoFlow = """
        {
          "name": "demo",
          "nodes": [
            { "name": "primes", "type": "compute.primes", "input": { "below": 100000 } },
            { "name": "record", "type": "sqlite.insert", "input": { "key": "run", "value": "started" } },
            { "name": "analyze", "type": "code.analyze", "input": { "path": "." }, "dependsOn": ["primes"] },
            { "name": "summary", "type": "sqlite.insert", "input": { "key": "run", "value": "done" }, "dependsOn": ["analyze", "record"] }
          ]
        }
        """;

    [Fact]
    public async Task A_flow_of_built_in_types_should_run_to_completion_with_its_events_on_the_stream()
    {
        await using var service = await StartAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using var watching = new CancellationTokenSource(Patience);
        using var feed = await http.GetAsync("/api/events?types=flow", HttpCompletionOption.ResponseHeadersRead, watching.Token);
        using var events = new SseReader(await feed.Content.ReadAsStreamAsync(watching.Token));
        await events.SubscribedAsync(watching.Token);

        var accepted = await http.PostAsync("/api/flows", Json.Body(DemoFlow));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.ReadJsonAsync()).Text("id");

        var names = new List<string>();
        (string Name, JsonElement Data)? next;
        do
        {
            next = await events.NextAsync(watching.Token);
            Assert.NotNull(next);
            names.Add(next.Value.Name);
        }
        while (next.Value.Name != "flow.ended");

        Assert.Equal("completed", next.Value.Data.Text("state"));
        Assert.Equal("flow.started", names[0]);
        Assert.Contains("flow.node-changed", names);
        var flow = await (await http.GetAsync($"/api/flows/{id}")).ReadJsonAsync();
        Assert.Equal("completed", flow.Text("state"));
        Assert.All(flow.GetProperty("nodes").EnumerateArray(), node => Assert.Equal("completed", node.Text("state")));
        Assert.Equal(9592, flow.GetProperty("nodes")[0].GetProperty("result").GetProperty("primes").GetInt64());
    }

    [Fact]
    public async Task A_cycle_or_an_unknown_type_should_be_a_400_naming_it_and_a_cancelled_flow_a_409_when_cancelled_again()
    {
        await using var service = await StartAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        var cycle = await http.PostAsync("/api/flows", Json.Body("""
            { "nodes": [ { "name": "a", "type": "compute.primes", "input": { "below": 10 }, "dependsOn": ["b"] },
                         { "name": "b", "type": "compute.primes", "input": { "below": 10 }, "dependsOn": ["a"] } ] }
            """));
        var unknown = await http.PostAsync("/api/flows", Json.Body("""{ "nodes": [ { "name": "a", "type": "no.such" } ] }"""));
        Assert.Equal(HttpStatusCode.BadRequest, cycle.StatusCode);
        Assert.Contains("cycle: a → b → a", (await cycle.ReadJsonAsync()).Text("detail"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no task type 'no.such'", (await unknown.ReadJsonAsync()).Text("detail"));

        var slow = await http.PostAsync("/api/flows", Json.Body("""
            { "nodes": [ { "name": "bulk", "type": "sqlite.bulk", "input": { "rows": 5000000, "batchSize": 1000 } },
                         { "name": "after", "type": "compute.primes", "input": { "below": 10 }, "dependsOn": ["bulk"] } ] }
            """));
        var id = (await slow.ReadJsonAsync()).Text("id");
        var cancelled = await http.DeleteAsync($"/api/flows/{id}");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.ReadJsonAsync()).Text("state"));
        var flow = await Poll.UntilAsync(async () => await (await http.GetAsync($"/api/flows/{id}")).ReadJsonAsync(),
            f => f.GetProperty("nodes").EnumerateArray().All(n => n.Text("state") == "cancelled"), Patience, TimeSpan.FromMilliseconds(100));
        Assert.All(flow.GetProperty("nodes").EnumerateArray(), node => Assert.Equal("cancelled", node.Text("state")));
        Assert.Equal(HttpStatusCode.Conflict, (await http.DeleteAsync($"/api/flows/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/flows/flow-999")).StatusCode);
    }

    [Fact]
    public async Task After_a_kill_9_mid_flow_the_restarted_service_should_complete_it_without_running_a_completed_node_again()
    {
        var folder = Directory.CreateTempSubdirectory("actors-flow-crash-");
        string id;
        Dictionary<string, (string TaskId, string StartedAt)> before;
        await using (var first = await StartAsync(folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            var accepted = await http.PostAsync("/api/flows", Json.Body("""
                { "nodes": [
                    { "name": "first", "type": "compute.primes", "input": { "below": 1000 } },
                    { "name": "second", "type": "sqlite.insert", "input": { "key": "k", "value": "v" }, "dependsOn": ["first"] },
                    { "name": "bulk", "type": "sqlite.bulk", "input": { "rows": 3000000, "batchSize": 5000 }, "dependsOn": ["second"] },
                    { "name": "last", "type": "compute.primes", "input": { "below": 100 }, "dependsOn": ["bulk"] } ] }
                """));
            id = (await accepted.ReadJsonAsync()).Text("id");
            var running = await Poll.UntilAsync(async () => await (await http.GetAsync($"/api/flows/{id}")).ReadJsonAsync(),
                f => f.GetProperty("nodes")[2].Text("state") == "running", Patience, TimeSpan.FromMilliseconds(50));
            before = await NodeTasksAsync(http, running, "first", "second");
            await first.KillAsync();
        }

        await using var second = await StartAsync(folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        var flow = await Poll.UntilAsync(async () => await (await again.GetAsync($"/api/flows/{id}")).ReadJsonAsync(),
            f => f.Text("state") != "running", TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(200));

        Assert.Equal("completed", flow.Text("state"));
        var after = await NodeTasksAsync(again, flow, "first", "second");
        Assert.Equal(before, after);
        var bulk = await (await again.GetAsync($"/api/tasks/{flow.GetProperty("nodes")[2].Text("taskId")}")).ReadJsonAsync();
        Assert.Equal(3_000_000, bulk.GetProperty("result").GetProperty("rows").GetInt32());
        Assert.Equal("completed", flow.GetProperty("nodes")[3].Text("state"));
    }

    /// <summary>The completed nodes' tasks and their attempts' start times: a node run again would have a new one.</summary>
    private static async Task<Dictionary<string, (string TaskId, string StartedAt)>> NodeTasksAsync(HttpClient http, JsonElement flow, params string[] names)
    {
        var tasks = new Dictionary<string, (string, string)>();
        foreach (var node in flow.GetProperty("nodes").EnumerateArray().Where(n => names.Contains(n.Text("name"))))
        {
            Assert.Equal("completed", node.Text("state"));
            var task = await (await http.GetAsync($"/api/tasks/{node.Text("taskId")}")).ReadJsonAsync();
            Assert.Equal(1, task.GetProperty("attempts").GetInt32());
            tasks[node.Text("name")] = (task.Text("id"), task.GetProperty("startedAt").GetRawText());
        }

        return tasks;
    }

    private static async Task<ServiceProcess> StartAsync(DirectoryInfo? folder = null)
    {
        var service = await ServiceProcess.StartAsync(Patience, workingDirectory: folder);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, Patience, TimeSpan.FromMilliseconds(100));
        return service;
    }
}
