using System.Collections.Immutable;
using System.Text.Json;
using Actors.Configuration;
using Actors.Host.Demo;
using Actors.Jobs;
using Actors.Tasks;
using Actors.TestSupport;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;

namespace Host.Tests;

/// <summary>An Akka.NET process that is not a cluster member submits tasks and drives jobs through ClusterClient and the cluster's receptionist.</summary>
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

    [Fact]
    public async Task An_external_actor_system_should_run_a_job_and_dispatch_actions_to_it_through_ClusterClient()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(server);
        var config = ConfigurationFactory.ParseString("akka.actor.provider = remote\nakka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }")
            .WithFallback(ActorsConfig.ForClusterClient);
        using var external = ActorSystem.Create("outside", config);
        try
        {
            // This process sends the kind's state and action types, so it names them as the nodes do.
            JobManager.RegisterWireTypes<CounterState, CounterAction>(external, CounterJob.Kind);
            var contacts = cluster.RemoteAddresses.Select(address => ActorPath.Parse($"{address}/system/receptionist")).ToImmutableHashSet();
            var client = external.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(external).WithInitialContacts(contacts)), "jobs-client");
            var counters = JobManager.ClusterClientPath(CounterJob.Kind);

            var run = await client.Ask<RunJobResult>(new ClusterClient.Send(counters, new RunJobFromState<CounterState>("outside", new CounterState(1, 0, "running"))),
                ThreeNodeCluster.Patience);
            var handled = await client.Ask<DispatchResult>(new ClusterClient.Send(counters, new DispatchToJob("outside", new CounterAction(CounterOp.Add, 41), Acknowledge: true)),
                ThreeNodeCluster.Patience);

            Assert.IsType<JobCreated>(run);
            Assert.IsType<ActionHandled>(handled);
            var view = await (await cluster.Clients[2].GetAsync("/api/jobs/counters/outside")).ReadJsonAsync();
            Assert.Equal(42, view.GetProperty("state").GetProperty("count").GetInt64());
        }
        finally
        {
            await external.Terminate();
        }
    }
}
