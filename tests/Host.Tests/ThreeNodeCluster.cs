using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Actors.TestSupport;

namespace Host.Tests;

/// <summary>
/// Three service processes on loopback in one Akka.Cluster over a shared PostgreSQL journal. Every node
/// lists all three as seeds, so that any of them (the first one too) can restart and join the others.
/// </summary>
internal sealed class ThreeNodeCluster : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _journal;
    private readonly int[] _ports;
    private readonly IReadOnlyDictionary<string, string> _settings;

    private ThreeNodeCluster(string journal, int[] ports, IReadOnlyDictionary<string, string> settings)
    {
        (_journal, _ports, _settings) = (journal, ports, settings);
    }

    /// <summary>Each node's Akka.Remote address (<c>akka.tcp://actors@127.0.0.1:port</c>).</summary>
    public IEnumerable<string> RemoteAddresses => _ports.Select(port => $"akka.tcp://actors@127.0.0.1:{port}");

    /// <summary>The nodes, oldest (the singletons' host) first.</summary>
    public ServiceProcess[] Nodes { get; } = new ServiceProcess[3];

    /// <summary>One HTTP client per node, with a short timeout: a node whose queue is moving answers late, and the caller tries again.</summary>
    public HttpClient[] Clients { get; } = new HttpClient[3];

    /// <param name="server">Where the journal's database is made.</param>
    /// <param name="settings">More of every node's environment (service settings).</param>
    public static async Task<ThreeNodeCluster> StartAsync(PostgresServer server, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new ThreeNodeCluster(await server.NewDatabaseAsync(), [ServiceProcess.FreePort(), ServiceProcess.FreePort(), ServiceProcess.FreePort()],
            settings ?? new Dictionary<string, string>());
        for (var i = 0; i < 3; i++)
        {
            // One after another: the first forms the cluster and is the oldest.
            await cluster.StartNodeAsync(i);
        }

        return cluster;
    }

    /// <summary>Starts node <paramref name="index"/> (again) and waits until it is an Up member whose queue answers.</summary>
    public async Task StartNodeAsync(int index)
    {
        var environment = new Dictionary<string, string>(Journal.PostgreSql(_journal))
        {
            ["Cluster__Enabled"] = "true",
            ["Cluster__Port"] = _ports[index].ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in _settings)
        {
            environment[name] = value;
        }

        for (var seed = 0; seed < 3; seed++)
        {
            environment[$"Cluster__SeedNodes__{seed}"] = RemoteAddresses.ElementAt(seed);
        }

        Nodes[index] = await ServiceProcess.StartAsync(Patience, environment);
        Clients[index]?.Dispose();
        Clients[index] = new HttpClient { BaseAddress = Nodes[index].BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
        if (!await Poll.UntilAsync(() => IsReadyAsync(index), ready => ready, Patience, TimeSpan.FromMilliseconds(200)))
        {
            throw new TimeoutException($"Node {index + 1} was not ready within {Patience}:\n{Nodes[index].Output}");
        }
    }

    private async Task<bool> IsReadyAsync(int index)
    {
        try
        {
            return (await Clients[index].GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Submits a small compute task to a node; its id if the node acknowledged it (202), null if it refused or did not answer in time.</summary>
    public async Task<string?> TrySubmitAsync(int node, int n)
    {
        try
        {
            var response = await Clients[node].PostAsync("/api/tasks/compute.primes", Json.Body($$"""{ "input": { "below": {{1000 + (n % 500)}} } }"""));
            return response.StatusCode == HttpStatusCode.Accepted ? (await response.ReadJsonAsync()).Text("id") : null;
        }
        catch (Exception e) when (e is TaskCanceledException or HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Waits until every task in <paramref name="ids"/> has ended, reading the records from <paramref name="node"/>; the records by id.</summary>
    public async Task<IReadOnlyDictionary<string, JsonElement>> EndedAsync(int node, IReadOnlyCollection<string> ids)
    {
        var records = new Dictionary<string, JsonElement>();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                var list = await (await Clients[node].GetAsync("/api/tasks?limit=10000")).ReadJsonAsync();
                foreach (var task in list.EnumerateArray())
                {
                    records[task.Text("id")] = task.Clone();
                }
            }
            catch (Exception e) when (e is TaskCanceledException or HttpRequestException or JsonException)
            {
                // The queue is busy or moving; read again.
            }

            return ids.All(id => records.TryGetValue(id, out var record) && record.Text("status") is "completed" or "failed" or "cancelled");
        }, ended => ended, Patience * 2, TimeSpan.FromMilliseconds(500));
        return records;
    }

    /// <summary>Clients (one per node) that wait up to 30 s: for a shard's first allocation, or a request that waits for a lock.</summary>
    public Disposables<HttpClient> PatientClients() =>
        new(Nodes.Select(node => new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }).ToArray());

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            client?.Dispose();
        }

        foreach (var node in Nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
    }
}

/// <summary>Submits tasks from several loops at once to the live nodes, keeping the ids acknowledged.</summary>
internal sealed class SubmitLoad(ThreeNodeCluster cluster, int loops, TimeSpan pause)
{
    private readonly ConcurrentQueue<string> _acknowledged = new();
    private readonly bool[] _down = new bool[3];
    private long _submitted;
    private Stopwatch? _sinceDown;

    public IReadOnlyCollection<string> Acknowledged => _acknowledged;

    /// <summary>When the first task submitted after <see cref="MarkDown"/> was acknowledged, if any.</summary>
    public TimeSpan? FirstAcknowledgedAfterDown { get; private set; }

    /// <summary>Stops sending to a node (it is about to die or stop).</summary>
    public void MarkDown(int node)
    {
        _down[node] = true;
        _sinceDown = Stopwatch.StartNew();
        FirstAcknowledgedAfterDown = null;
    }

    public void MarkUp(int node) => _down[node] = false;

    /// <summary>Runs until <paramref name="stop"/> fires or <paramref name="target"/> tasks are acknowledged.</summary>
    public Task RunAsync(int target, CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, loops).Select(loop => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested && _acknowledged.Count < target)
        {
            var n = Interlocked.Increment(ref _submitted);
            var node = (int)(n % 3);
            if (_down[node])
            {
                continue;
            }

            var since = _sinceDown?.Elapsed;
            if (await cluster.TrySubmitAsync(node, (int)n) is { } id)
            {
                _acknowledged.Enqueue(id);
                if (since is not null && FirstAcknowledgedAfterDown is null)
                {
                    FirstAcknowledgedAfterDown = _sinceDown!.Elapsed;
                }
            }

            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, CancellationToken.None);
            }
        }
    })));
}

/// <summary>Items disposed together.</summary>
internal sealed class Disposables<T>(T[] items) : IDisposable
    where T : IDisposable
{
    public T this[int index] => items[index];

    public IEnumerable<TResult> Select<TResult>(Func<T, TResult> selector) => items.Select(selector);

    public void Dispose()
    {
        foreach (var item in items)
        {
            item.Dispose();
        }
    }
}
