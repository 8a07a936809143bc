using Actors.Configuration;
using Actors.Orchestration;
using Actors.Tasks;
using Akka.TestKit.Xunit2;

namespace Docs.Tests.Orchestration;

// The examples of docs/orchestration.md (DocExamplesSpecs checks them), run.
public sealed class OrchestrationGuideExamples() : TestKit(ActorsConfig.Defaults)
{
    [Fact]
    public async Task A_flow_hands_each_node_its_dependencies_results()
    {
        var queue = TaskQueue.Start(Sys,
        [
            TaskDefinition.Create<string, string>("download", (url, _) => Task.FromResult($"<html>{url}</html>"), TaskPresets.ExternalApi),
            TaskDefinition.Create<string, int>("count", (what, context) =>
                Task.FromResult(context.UpstreamResult<string>("download")!.Length), TaskPresets.Analysis),
            TaskDefinition.Create<string, string>("store", (table, context) =>
                Task.FromResult($"{table}: {context.UpstreamResult<int>("count")}"), TaskPresets.DatabaseOperations),
        ]);
        var flows = Flows.Start(Sys, queue);
        Sys.EventStream.Subscribe(TestActor, typeof(FlowEnded));

        var started = await flows.StartAsync(
        [
            new FlowNode("download", "download", "https://example.org"),
            new FlowNode("count", "count", "characters", ["download"]),
            new FlowNode("store", "store", "stats", ["count"], OnFailure: FlowFailurePolicy.SkipDependents),
        ], name: "page stats");

        var id = ((FlowAccepted)started).FlowId;
        Assert.Equal(FlowState.Completed, ExpectMsg<FlowEnded>().State);
        Assert.Equal("stats: 32", (await flows.GetAsync(id))!.Nodes[2].Result);
    }

    [Fact]
    public async Task Policies_per_host_a_batching_type_and_shared_results_are_set_on_the_type()
    {
        var fetch = TaskDefinition.Create<string, int>("fetch", (url, context) => CallAsync(url, context.CancellationToken),
                TaskPresets.ExternalApi
                    .WithCircuitBreaker(new TaskCircuitBreaker(FailuresToOpen: 5, OpenFor: TimeSpan.FromSeconds(30)))
                    .WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Min: 1, Initial: 4))
                    .WithRateLimit(new TaskRateLimit(PerSecond: 20)))
            .WithPolicyKey<string>(url => new Uri(url).Host);

        var insert = TaskDefinition.CreateBatched<Order, long>("orders.insert",
            (orders, context) => Task.FromResult<IReadOnlyList<long>>(orders.Select(order => order.Id).ToList()),
            TaskPresets.DatabaseOperations.WithConcurrencyLimit(400),
            new TaskBatching(MaxSize: 200, Linger: TimeSpan.FromMilliseconds(5)));

        var lookup = TaskDefinition.Create<string, string>("lookup", (key, _) => Task.FromResult(key.ToUpperInvariant()),
            TaskPresets.ExternalApi.WithResultSharing(new TaskResultSharing(Ttl: TimeSpan.FromMinutes(1))));

        var queue = TaskQueue.Start(Sys, [fetch, insert, lookup], TaskQueueSettings.Create(Sys) with { LoadShedding = true });
        await queue.SubmitAsync("fetch", "https://example.org/a", wait: TimeSpan.FromSeconds(5));
        foreach (var type in await queue.GetTypeHealthAsync())
        {
            Console.WriteLine($"{type.Name}: {type.Circuit}, limit {type.ConcurrencyLimit}, errors {type.ErrorRate:P0}, p95 {type.P95LatencyMs} ms");
        }

        var health = await queue.GetTypeHealthAsync();
        Assert.Contains(health, h => h.Name == "fetch[example.org]" && h.RecentAttempts == 1);
    }

    private static Task<int> CallAsync(string url, CancellationToken cancellationToken) => Task.FromResult(url.Length);

    public sealed record Order(long Id, string Item);
}
