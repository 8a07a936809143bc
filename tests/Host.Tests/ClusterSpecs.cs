using System.Net;
using Actors.TestSupport;

namespace Host.Tests;

/// <summary>Three service processes on loopback form one cluster over a shared PostgreSQL journal: one task queue, reached from every node.</summary>
public sealed class ClusterSpecs(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Tasks_submitted_round_robin_to_three_nodes_should_all_complete_in_the_one_queue()
    {
        var journal = await server.NewDatabaseAsync();
        var seedPort = ServiceProcess.FreePort();
        var nodes = new List<ServiceProcess>();
        try
        {
            foreach (var port in new[] { seedPort, ServiceProcess.FreePort(), ServiceProcess.FreePort() })
            {
                nodes.Add(await ServiceProcess.StartAsync(Patience, new Dictionary<string, string>(Journal.PostgreSql(journal))
                {
                    ["Cluster__Enabled"] = "true",
                    ["Cluster__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Cluster__SeedNodes__0"] = $"akka.tcp://actors@127.0.0.1:{seedPort}",
                }));
            }

            var clients = nodes.Select(node => new HttpClient { BaseAddress = node.BaseAddress }).ToList();
            foreach (var client in clients)
            {
                var ready = await Poll.UntilAsync(() => client.GetAsync("/health/ready"), response => response.StatusCode == HttpStatusCode.OK, Patience);
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            const int Tasks = 150;
            var ids = new List<string>();
            for (var i = 0; i < Tasks; i++)
            {
                var response = await clients[i % 3].PostAsync("/api/tasks/compute.primes", Json.Body($$"""{ "input": { "below": {{1000 + i}} } }"""));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add((await response.ReadJsonAsync()).Text("id"));
            }

            Assert.Equal(Tasks, ids.Distinct().Count());
            for (var i = 0; i < Tasks; i++)
            {
                var client = clients[(i + 1) % 3]; // read from another node than the one it was submitted to
                var task = await Poll.UntilAsync(async () => await (await client.GetAsync($"/api/tasks/{ids[i]}")).ReadJsonAsync(), t => t.Text("status") == "completed", Patience);
                Assert.Equal("completed", task.Text("status"));
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Cluster_mode_on_a_SQLite_journal_should_be_refused_saying_what_to_set()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(Patience, new Dictionary<string, string>
        {
            ["Cluster__Enabled"] = "true",
            ["Cluster__SeedNodes__0"] = "akka.tcp://actors@127.0.0.1:4053",
        }));

        Assert.Contains("Cluster:Enabled needs a journal every node shares: set Durability:Provider=postgresql", refused.Message);
    }
}
