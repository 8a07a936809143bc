using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Actors.TestSupport;

namespace Host.Tests;

/// <summary>The thunk coordinator and its store as one cluster singleton, used from every node (the demo ledger).</summary>
public sealed class ClusterThunkSpecs(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task When_the_node_of_a_tree_holding_the_lock_dies_the_tree_fails_its_lock_is_freed_and_waiting_trees_pass_in_order()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        using var clients = cluster.PatientClients();
        Assert.Equal(HttpStatusCode.OK, (await clients[0].PostAsync("/api/thunks/deposits", Json.Body("""{ "account": "a", "amount": 1000 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clients[1].PostAsync("/api/thunks/deposits", Json.Body("""{ "account": "b", "amount": 1000 }"""))).StatusCode);
        Assert.Equal((1000, 1000), await BalancesAsync(clients[2]));

        // Node 3 (the singleton lives on node 1, the oldest) withdraws from a, then holds both locks for a minute.
        var transfer = clients[2].PostAsync("/api/thunks/transfers", Json.Body("""{ "from": "a", "to": "b", "amount": 100, "pauseMs": 60000 }"""));
        await SummaryAsync(clients[0], summary => summary.GetProperty("activeRoots").GetArrayLength() == 1 && summary.GetProperty("queuedActions").GetInt32() == 0
            && summary.GetProperty("thunks").EnumerateArray().Any(thunk => thunk.Text("status") == "executing"));

        // Node 2's deposits into a wait for the lock, one behind the other.
        var passed = new ConcurrentQueue<string>();
        var first = DepositAsync(clients[1], 5, passed, "first");
        await SummaryAsync(clients[0], summary => summary.GetProperty("waitingRoots").GetArrayLength() == 1);
        var second = DepositAsync(clients[1], 7, passed, "second");
        await SummaryAsync(clients[0], summary => summary.GetProperty("waitingRoots").GetArrayLength() == 2);

        await cluster.Nodes[2].KillAsync();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], await Task.WhenAll(first, second));
        Assert.Equal(["first", "second"], passed);
        await SummaryAsync(clients[0], summary => summary.GetProperty("activeRoots").GetArrayLength() == 0 && summary.GetProperty("waitingRoots").GetArrayLength() == 0);
        // The transfer moved nothing (its withdrawal was undone with its tree); only the deposits landed.
        Assert.Equal((1012, 1000), await BalancesAsync(clients[0]));
        Assert.Equal((1012, 1000), await BalancesAsync(clients[1]));
        // Its request died with its node.
        Assert.IsType<HttpRequestException>(await Record.ExceptionAsync(() => transfer));
    }

    [Fact]
    [Trait("Category", "Soak")]
    public async Task After_a_kill_9_of_the_coordinators_node_the_ledger_should_keep_its_balances_and_version_and_take_new_transfers()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        using var clients = cluster.PatientClients();
        Assert.Equal(HttpStatusCode.OK, (await clients[1].PostAsync("/api/thunks/deposits", Json.Body("""{ "account": "a", "amount": 300 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clients[2].PostAsync("/api/thunks/transfers", Json.Body("""{ "from": "a", "to": "b", "amount": 100 }"""))).StatusCode);
        var before = await (await clients[1].GetAsync("/api/thunks/state")).ReadJsonAsync();
        var versionBefore = (await (await clients[1].GetAsync("/api/thunks")).ReadJsonAsync()).GetProperty("version").GetInt64();

        // Node 1 is the oldest: it hosts the coordinator and its store.
        await cluster.Nodes[0].KillAsync();

        // Ask until the moved coordinator answers (asks that went to the dead node are not answered), then transfer once.
        using var impatient = new HttpClient { BaseAddress = cluster.Nodes[1].BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var answered = await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await impatient.GetAsync("/api/thunks")).StatusCode;
            }
            catch (TaskCanceledException)
            {
                return HttpStatusCode.RequestTimeout;
            }
        }, status => status == HttpStatusCode.OK, ThreeNodeCluster.Patience, TimeSpan.FromMilliseconds(250));
        Assert.Equal(HttpStatusCode.OK, answered);
        Assert.Equal(HttpStatusCode.OK, (await clients[1].PostAsync("/api/thunks/transfers", Json.Body("""{ "from": "b", "to": "a", "amount": 40 }"""))).StatusCode);

        var after = await (await clients[2].GetAsync("/api/thunks/state")).ReadJsonAsync();
        Assert.Equal((200, 100), await BalancesAsync(clients[1]) is var (a, b) ? (a - 40, b + 40) : default);
        Assert.True(after.GetProperty("version").GetInt64() > before.GetProperty("version").GetInt64());
        Assert.True((await (await clients[2].GetAsync("/api/thunks")).ReadJsonAsync()).GetProperty("version").GetInt64() > versionBefore);
    }

    [Fact]
    [Trait("Category", "Soak")]
    public async Task When_the_coordinators_node_dies_a_tree_holding_the_lock_should_fail_and_a_waiting_tree_of_a_live_node_should_pass()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        using var clients = cluster.PatientClients();
        Assert.Equal(HttpStatusCode.OK, (await clients[1].PostAsync("/api/thunks/deposits", Json.Body("""{ "account": "a", "amount": 1000 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clients[1].PostAsync("/api/thunks/deposits", Json.Body("""{ "account": "b", "amount": 1000 }"""))).StatusCode);

        // Node 3's transfer holds both locks (its withdrawal applied, not committed); node 2's deposit waits behind it.
        using var slow = new HttpClient { BaseAddress = cluster.Nodes[2].BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var transfer = slow.PostAsync("/api/thunks/transfers", Json.Body("""{ "from": "a", "to": "b", "amount": 100, "pauseMs": 25000 }"""));
        await SummaryAsync(clients[1], summary => summary.GetProperty("activeRoots").GetArrayLength() == 1
            && summary.GetProperty("thunks").EnumerateArray().Any(thunk => thunk.Text("status") == "executing"));
        var deposit = DepositAsync(clients[1], 5, new ConcurrentQueue<string>(), "deposit");
        // Stored, too: the next coordinator resumes from the last stored checkpoint.
        await SummaryAsync(clients[1], summary => summary.GetProperty("waitingRoots").GetArrayLength() == 1
            && summary.GetProperty("stored").GetBoolean());

        // Node 1 is the oldest: it hosts the coordinator and its store.
        await cluster.Nodes[0].KillAsync();

        // The moved coordinator fails the transfer (what it applied was in the lost store) and lets the deposit through.
        Assert.Equal(HttpStatusCode.OK, await deposit);
        Assert.Equal(HttpStatusCode.Conflict, (await transfer).StatusCode);
        Assert.Equal((1005, 1000), await BalancesAsync(clients[2]));
    }

    private static async Task<HttpStatusCode> DepositAsync(HttpClient client, long amount, ConcurrentQueue<string> passed, string name)
    {
        var response = await client.PostAsync("/api/thunks/deposits", Json.Body($$"""{ "account": "a", "amount": {{amount}} }"""));
        passed.Enqueue(name);
        return response.StatusCode;
    }

    private static async Task SummaryAsync(HttpClient client, Func<JsonElement, bool> holds)
    {
        var summary = await Poll.UntilAsync(async () => await (await client.GetAsync("/api/thunks")).ReadJsonAsync(), holds, ThreeNodeCluster.Patience, TimeSpan.FromMilliseconds(100));
        Assert.True(holds(summary), $"The coordinator's summary never matched: {summary}");
    }

    private static async Task<(long A, long B)> BalancesAsync(HttpClient client)
    {
        var balances = (await (await client.GetAsync("/api/thunks/state")).ReadJsonAsync()).GetProperty("state").GetProperty("balances");
        return (balances.GetProperty("a").GetInt64(), balances.GetProperty("b").GetInt64());
    }
}
