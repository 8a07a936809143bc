using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Host.Tests;

/// <summary>
/// The real service under a stream of about 1,000 events a second for 30 s: a client that reads 1 KB a
/// second is disconnected without the server's memory growing, and a normal client alongside it gets
/// every terminal event.
/// </summary>
public sealed class SlowEventClientSpecs
{
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(30);
    private const int TasksPerSecond = 300;
    private const long AllowedGrowth = 50L << 20;

    [Fact]
    [Trait("Category", "Soak")]
    public async Task A_slow_client_should_be_cut_off_without_growing_memory_while_a_normal_client_gets_every_terminal_event()
    {
        // In memory: the journal's own growth under 9,000 tasks would blur what this measures, the event buffers.
        await using var service = await ServiceProcess.StartAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["Durability__Provider"] = "none" });
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await SubmitAsync(http, 50);
        var baseline = service.ResidentBytes();

        using var stop = new CancellationTokenSource(Load + TimeSpan.FromSeconds(60));
        var completed = new HashSet<string>();
        var normal = await ReadTerminalEventsAsync(service.BaseAddress, completed, stop.Token);
        var slow = ReadSlowlyAsync(service.BaseAddress, stop.Token);
        var submitted = new List<string>();
        var peak = baseline;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Load)
        {
            submitted.AddRange(await SubmitAsync(http, TasksPerSecond / 10));
            peak = Math.Max(peak, service.ResidentBytes());
            var behind = TimeSpan.FromSeconds(submitted.Count / (double)TasksPerSecond) - watch.Elapsed;
            if (behind > TimeSpan.Zero)
            {
                await Task.Delay(behind, stop.Token);
            }
        }

        var slowRead = await slow;
        await Poll.UntilAsync(() => Task.FromResult(Count(completed)), n => n >= submitted.Count + 50);
        await stop.CancelAsync();
        await normal;

        Assert.True(slowRead.Disconnected, $"the slow client read {slowRead.Bytes} bytes and was never disconnected");
        Assert.True(peak - baseline <= AllowedGrowth, $"resident memory grew {(peak - baseline) >> 20} MB (from {baseline >> 20} MB)");
        lock (completed)
        {
            Assert.All(submitted, id => Assert.Contains(id, completed));
        }

        Assert.Contains("Disconnected an event client", service.Output);
        Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Submits tiny compute tasks (queued, started, progress, completed: 4 events each) from a few connections.</summary>
    private static async Task<IReadOnlyList<string>> SubmitAsync(HttpClient http, int count)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 1000, "segments": 1 } }""")));
        return await Task.WhenAll(responses.Select(async r => (await r.EnsureSuccessStatusCode().ReadJsonAsync()).Text("id")));
    }

    /// <summary>Subscribes (returning once nothing published afterwards can be missed), then collects terminal events until cancelled.</summary>
    private static async Task<Task> ReadTerminalEventsAsync(Uri service, HashSet<string> completed, CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = service, Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync("/api/events?types=task", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var events = new SseReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        await events.SubscribedAsync(cancellationToken);
        return CollectAsync(http, response, events, completed, cancellationToken);
    }

    private static async Task CollectAsync(HttpClient http, HttpResponseMessage response, SseReader events, HashSet<string> completed, CancellationToken cancellationToken)
    {
        using var owner = http;
        using var stream = response;
        using var reader = events;
        try
        {
            while (await events.NextAsync(cancellationToken) is var (name, data))
            {
                if (name is "task.completed" or "task.failed" or "task.cancelled")
                {
                    lock (completed)
                    {
                        completed.Add(data.Text("taskId"));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads 1 KB a second from a small socket buffer until the server hangs up (or the load is over).</summary>
    private static async Task<(bool Disconnected, long Bytes)> ReadSlowlyAsync(Uri service, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(service.Host, service.Port, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /api/events HTTP/1.1\r\nHost: {service.Authority}\r\n\r\n"), cancellationToken);
        var buffer = new byte[1024];
        var total = 0L;
        var started = Stopwatch.StartNew();
        while (started.Elapsed < Load)
        {
            try
            {
                var read = await socket.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return (true, total);
                }

                total += read;
            }
            catch (SocketException)
            {
                return (true, total);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        return (false, total);
    }

    private static int Count(HashSet<string> completed)
    {
        lock (completed)
        {
            return completed.Count;
        }
    }
}
