using System.Net;
using System.Text.Json;
using Actors.TestSupport;

namespace Host.Tests;

/// <summary>The demo job kind (<c>counters</c>) sharded over three service processes on one PostgreSQL journal.</summary>
public sealed class ClusterJobSpecs(PostgresServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task One_job_per_key_in_the_whole_cluster_which_every_node_can_read_dispatch_to_watch_and_stop()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        using var clients = cluster.PatientClients();

        // 3 × 50 concurrent runs of one key, spread over the nodes: exactly one creates the job.
        var runs = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => clients[i % 3].PostAsync("/api/jobs/counters/k1", Json.Body("""{ "start": 7 }"""))));
        Assert.Equal(1, runs.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(149, runs.Count(r => r.StatusCode == HttpStatusCode.OK));

        // Every node sees the one job, on the same node.
        var views = await Task.WhenAll(clients.Select(async client => await (await client.GetAsync("/api/jobs/counters/k1")).ReadJsonAsync()));
        var owner = views[0].Text("node");
        Assert.All(views, view => Assert.Equal(owner, view.Text("node")));
        Assert.All(views, view => Assert.Equal(7, view.GetProperty("state").GetProperty("count").GetInt64()));
        var elsewhere = Enumerable.Range(0, 3).First(i => cluster.RemoteAddresses.ElementAt(i) != owner);
        output.WriteLine($"k1 runs on {owner}; node {elsewhere + 1} dispatches, watches and stops it");

        // Watch it from a node that does not run it, and dispatch from there.
        using var watching = new CancellationTokenSource(ThreeNodeCluster.Patience);
        using var feed = await clients[elsewhere].GetAsync("/api/events?job=k1", HttpCompletionOption.ResponseHeadersRead, watching.Token);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        using var events = new SseReader(await feed.Content.ReadAsStreamAsync(watching.Token));
        Assert.Equal(HttpStatusCode.Accepted, (await clients[elsewhere].PostAsync("/api/jobs/counters/k1/actions", Json.Body("""{ "op": "add", "amount": 5 }"""))).StatusCode);
        long seen;
        do
        {
            var next = await events.NextAsync(watching.Token);
            Assert.NotNull(next);
            seen = next.Value.Name == "job.state" ? next.Value.Data.GetProperty("state").GetProperty("count").GetInt64() : 0;
        }
        while (seen != 12);

        // Stop it from there too: the key is free in the whole cluster again, and the third node's feed hears of it.
        var third = Enumerable.Range(0, 3).First(i => i != elsewhere && cluster.RemoteAddresses.ElementAt(i) != owner);
        using var lifecycle = await clients[third].GetAsync("/api/events?types=job", HttpCompletionOption.ResponseHeadersRead, watching.Token);
        using var lifecycleEvents = new SseReader(await lifecycle.Content.ReadAsStreamAsync(watching.Token));
        await lifecycleEvents.SubscribedAsync(watching.Token);
        var stopped = await (await clients[elsewhere].DeleteAsync("/api/jobs/counters/k1")).ReadJsonAsync();
        Assert.Equal("stopped", stopped.Text("reason").ToLowerInvariant());
        Assert.All(await Task.WhenAll(clients.Select(client => client.GetAsync("/api/jobs/counters/k1"))), response => Assert.Equal(HttpStatusCode.NotFound, response.StatusCode));
        (string Name, JsonElement Data)? heard;
        try
        {
            do
            {
                heard = await lifecycleEvents.NextAsync(watching.Token);
                Assert.NotNull(heard);
            }
            while (heard.Value.Name != "job.stopped");
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
            // Events reach another node through DistributedPubSub: say what each node logged, for the next time this fails.
            throw new TimeoutException($"Node {third + 1}'s feed did not hear job.stopped within {ThreeNodeCluster.Patience}. The nodes' warnings:\n" +
                string.Join("\n", cluster.Nodes.Select((node, i) => $"node {i + 1}:\n{node.Warnings}")));
        }
        Assert.Equal("k1", heard.Value.Data.Text("key"));
        Assert.Equal(HttpStatusCode.Created, (await clients[(elsewhere + 1) % 3].PostAsync("/api/jobs/counters/k1", Json.Body("{}"))).StatusCode);
    }

    [Fact]
    [Trait("Category", "Soak")]
    public async Task After_a_kill_9_of_the_node_running_a_durable_job_it_should_run_on_another_node_from_its_last_checkpoint()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        using var clients = cluster.PatientClients();
        Assert.Equal(HttpStatusCode.Created, (await clients[0].PostAsync("/api/jobs/counters/k2", Json.Body("""{ "start": 100 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await clients[1].PostAsync("/api/jobs/counters/k2/actions", Json.Body("""{ "op": "add", "amount": 5 }"""))).StatusCode);
        var added = await Poll.UntilAsync(() => ReadAsync(clients[2], "k2"), job => job?.GetProperty("state").GetProperty("count").GetInt64() == 105,
            ThreeNodeCluster.Patience, TimeSpan.FromMilliseconds(100));
        var owner = added!.Value.Text("node");
        var ticksAtAdd = added.Value.GetProperty("state").GetProperty("ticks").GetInt64();

        // Checkpoints are taken every second: three ticks (seconds) later, one holds the added 5.
        await Poll.UntilAsync(() => ReadAsync(clients[2], "k2"), job => job?.GetProperty("state").GetProperty("ticks").GetInt64() >= ticksAtAdd + 3,
            ThreeNodeCluster.Patience, TimeSpan.FromMilliseconds(200));
        var victim = Enumerable.Range(0, 3).Single(i => cluster.RemoteAddresses.ElementAt(i) == owner);
        var survivor = (victim + 1) % 3;
        await cluster.Nodes[victim].KillAsync();
        var killed = System.Diagnostics.Stopwatch.StartNew();

        // Asks sent before the survivors learn of the death go to the dead node and are never answered: poll with a short timeout.
        using var impatient = new HttpClient { BaseAddress = cluster.Nodes[survivor].BaseAddress, Timeout = TimeSpan.FromSeconds(1) };
        var moved = await Poll.UntilAsync(() => ReadAsync(impatient, "k2"), job => job is { } found && found.Text("node") != owner,
            ThreeNodeCluster.Patience, TimeSpan.FromMilliseconds(200));
        output.WriteLine($"k2 ran on node {victim + 1}; after the kill it ran on {moved?.Text("node")} {killed.Elapsed.TotalSeconds:F1} s later");
        // How soon is printed, not asserted (a speed is a benchmark's to hold): on a loaded machine membership may take more than one
        // stable-after period to settle (once 25.7 s here, against 16 s as a rule).
        Assert.NotNull(moved);
        Assert.Equal(105, moved.Value.GetProperty("state").GetProperty("count").GetInt64());
        Assert.True(moved.Value.GetProperty("state").GetProperty("ticks").GetInt64() >= ticksAtAdd);
    }

    /// <summary>The job's view, or null when no job runs under the key (or the node did not answer in time).</summary>
    private static async Task<JsonElement?> ReadAsync(HttpClient client, string key)
    {
        try
        {
            var response = await client.GetAsync($"/api/jobs/counters/{key}");
            return response.StatusCode == HttpStatusCode.OK ? await response.ReadJsonAsync() : null;
        }
        catch (Exception e) when (e is TaskCanceledException or HttpRequestException)
        {
            return null;
        }
    }
}
