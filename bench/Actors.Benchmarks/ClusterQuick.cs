using System.Diagnostics;
using System.Net;
using Actors.TestSupport;

namespace Actors.Benchmarks;

/// <summary>
/// The quick cluster suite, with real service processes on loopback and a real PostgreSQL journal:
/// tiny tasks end to end over HTTP (submitted with a wait window, answered once complete) on one process
/// without a cluster, then the same workload spread over a three-node cluster (160 submitters at once in
/// both: a cluster adds hops, so it needs more requests in flight for the same throughput); then the failover time
/// after a <c>kill -9</c> of the node that hosts the queue; then actions to a sharded job on another node
/// (<see cref="ClusterJobsQuick"/>).
/// </summary>
internal static class ClusterQuick
{
    private const int Tasks = 3_000;
    private const int InFlight = 160;

    public static async Task RunAsync(Figures figures)
    {
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            double baseline;
            await using (var single = await Node.StartAsync(await postgres.NewDatabaseAsync(), clusterPorts: null, index: 0))
            {
                await RateAsync([single], 500);
                baseline = await RateAsync([single], Tasks);
            }

            figures.Report("baseline.local.tasks.rate", baseline, "tasks/s");

            var journal = await postgres.NewDatabaseAsync();
            int[] ports = [HostQuick.FreePort(), HostQuick.FreePort(), HostQuick.FreePort()];
            var nodes = new List<Node>();
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    nodes.Add(await Node.StartAsync(journal, ports, i));
                }

                await RateAsync(nodes, 500);
                var clustered = await RateAsync(nodes, Tasks);
                figures.Report("cluster.tasks.rate", clustered, "tasks/s");
                figures.Ratio("cluster.tasks.ratio", clustered / baseline, ">= 0.5", clustered / baseline >= 0.5);

                var failover = await FailoverAsync(nodes);
                figures.Report("cluster.failover_s", failover, "s");
                figures.Goal("cluster.failover_s", failover, "<= 15", failover <= 15);
            }
            finally
            {
                foreach (var node in nodes)
                {
                    await node.DisposeAsync();
                }
            }
        }
        finally
        {
            await postgres.DisposeAsync();
        }

        await ClusterJobsQuick.RunAsync(figures);
    }

    /// <summary>Tasks a second, end to end: each submit waits for its task to complete; <see cref="InFlight"/> at once, round robin over the nodes.</summary>
    private static async Task<double> RateAsync(IReadOnlyList<Node> nodes, int count)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                var response = await nodes[n % nodes.Count].Http.PostAsync("/api/tasks/compute.primes", Json($$"""{ "input": { "below": 3 }, "waitMs": 30000 }"""));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"A submit was answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Kills the oldest node (the queue's host) and sends submits to the others until one is accepted: the seconds in between.</summary>
    private static async Task<double> FailoverAsync(IReadOnlyList<Node> nodes)
    {
        nodes[0].Kill();
        var killed = Stopwatch.StartNew();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var i = 0; killed.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            try
            {
                var response = await probe.PostAsync(new Uri(nodes[1 + (i % 2)].Http.BaseAddress!, "/api/tasks/compute.primes"), Json("""{ "input": { "below": 3 } }"""));
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    return killed.Elapsed.TotalSeconds;
                }
            }
            catch (TaskCanceledException)
            {
                // Not answered within the second: the queue is not back yet.
            }
        }

        return killed.Elapsed.TotalSeconds;
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    /// <summary>A service process (the Host built beside this benchmark), logging warnings only.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly Process _process;

        private Node(Process process, HttpClient http) => (_process, Http) = (process, http);

        public HttpClient Http { get; }

        public static async Task<Node> StartAsync(string journal, int[]? clusterPorts, int index)
        {
            var port = HostQuick.FreePort();
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Directory.CreateTempSubdirectory("actors-bench-node-").FullName, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Actors.Host.dll"));
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port}");
            start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
            start.Environment["Durability__Provider"] = "postgresql";
            start.Environment["Durability__ConnectionString"] = journal;
            start.Environment["Service__TaskConcurrency"] = "64";
            start.Environment["Service__TaskTypeConcurrency__compute.primes"] = "64";
            if (clusterPorts is not null)
            {
                start.Environment["Cluster__Enabled"] = "true";
                start.Environment["Cluster__Port"] = clusterPorts[index].ToString(System.Globalization.CultureInfo.InvariantCulture);
                for (var seed = 0; seed < clusterPorts.Length; seed++)
                {
                    start.Environment[$"Cluster__SeedNodes__{seed}"] = $"akka.tcp://actors@127.0.0.1:{clusterPorts[seed]}";
                }
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new Node(process, new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60),
            });
            var waited = Stopwatch.StartNew();
            while (!await node.IsReadyAsync())
            {
                if (process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"Node {index + 1} did not become ready (exited: {process.HasExited}).");
                }

                await Task.Delay(100);
            }

            return node;
        }

        public void Kill() => _process.Kill();

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            Http.Dispose();
        }

        private async Task<bool> IsReadyAsync()
        {
            try
            {
                return (await Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
    }
}
