using System.Collections.Immutable;
using System.Text.Json;
using Actors.Configuration;
using Actors.Tasks;
using Actors.TestSupport;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;

namespace Host.Tests;

/// <summary>An Akka.NET process that is not a cluster member submits tasks through ClusterClient and the cluster's receptionist.</summary>
public sealed class ClusterClientSpecs(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task An_external_actor_system_should_submit_a_task_through_ClusterClient_and_get_its_result()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);

        // As a user's own process would: remoting only, the library's defaults (the wire serializer's bindings) under its own config.
        var config = ConfigurationFactory.ParseString("akka.actor.provider = remote\nakka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }")
            .WithFallback(ActorsConfig.ForClusterClient);
        using var external = ActorSystem.Create("outside", config);
        try
        {
            var contacts = cluster.RemoteAddresses.Select(address => ActorPath.Parse($"{address}/system/receptionist")).ToImmutableHashSet();
            var client = external.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(external).WithInitialContacts(contacts)), "tasks-client");

            // The input as JSON of the task type's input (PrimesInput); the node reads it as that type.
            var input = JsonDocument.Parse("""{ "Below": 1000 }""").RootElement;
            var reply = await client.Ask<SubmitResult>(new ClusterClient.Send(TaskQueue.ClusterClientPath, new SubmitTask("compute.primes", input, Wait: TimeSpan.FromSeconds(20))),
                ThreeNodeCluster.Patience);

            var completed = Assert.IsType<SubmitCompleted>(reply);
            Assert.Equal(TaskState.Completed, completed.Record.Status);
            // This process does not know the type: the result comes as JSON (PrimesResult: 168 primes below 1000).
            var result = Assert.IsType<JsonElement>(completed.Record.Result);
            Assert.Equal(168, result.GetProperty("Primes").GetInt64());
            Assert.StartsWith("akka.tcp://actors@127.0.0.1:", completed.Record.Node);
        }
        finally
        {
            await external.Terminate();
        }
    }
}
