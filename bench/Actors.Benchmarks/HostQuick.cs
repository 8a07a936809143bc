using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Actors.Host;
using Actors.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Benchmarks;

/// <summary>
/// The quick host suite: the service in this process on a loopback port, driven by a loopback HTTP client.
/// Submit latency at a fixed 1,000 requests a second (open loop: requests are sent on schedule whether or
/// not earlier ones have returned), against <c>GET /health</c> at the same rate; SSE delivery latency of progress.
/// </summary>
internal static class HostQuick
{
    private const int RequestsPerSecond = 1_000;
    private const int Requests = 8_000;

    /// <summary>
    /// Submits before a service's submit latency is measured: ten seconds at the measured rate. A fresh service's first seconds
    /// are not its steady state: tiered JIT promotes methods (installing call counters suspends the runtime every 100 ms while
    /// it does), and the heap grows until the kept window of finished tasks (<c>keep-finished</c>, 10,000) is full. Their p99 is
    /// reported apart (<c>*.warmup.p99_ms</c>).
    /// </summary>
    private const int WarmUpRequests = 10_000;

    public static async Task RunAsync(Figures figures)
    {
        // The API and actor path, on the in-memory queue (the figures of step 5)...
        await InServiceAsync("none", async http =>
        {
            var warmUp = await SubmitLatencyAsync(http, WarmUpRequests);
            var health = await OpenLoopAsync(http, Requests, () => http.GetAsync("/health"));
            var submit = await SubmitLatencyAsync(http, Requests);
            figures.Report("baseline.health.p99_ms", health.P99, "ms");
            figures.Report("host.submit.warmup.p99_ms", warmUp.P99, "ms");
            figures.Report("host.submit.p50_ms", submit.P50, "ms");
            figures.Report("host.submit.p99_ms", submit.P99, "ms");
            figures.Goal("host.submit.p99_ms", submit.P99, "<= 5", submit.P99 <= 5);

            await SseLatencyAsync(http, tasks: 10, reports: 5);
            var sse = await SseLatencyAsync(http, tasks: 20, reports: 20);
            figures.Report("host.sse.latency.p50_ms", sse.P50, "ms");
            figures.Report("host.sse.latency.p99_ms", sse.P99, "ms");
            figures.Goal("host.sse.latency.p99_ms", sse.P99, "<= 20", sse.P99 <= 20);
        });

        // ...and with the service's default SQLite journal, where a submit is answered once it is stored.
        await InServiceAsync("sqlite", async http =>
        {
            var warmUp = await SubmitLatencyAsync(http, WarmUpRequests);
            var submit = await SubmitLatencyAsync(http, Requests);
            figures.Report("host.submit.durable.warmup.p99_ms", warmUp.P99, "ms");
            figures.Report("host.submit.durable.p50_ms", submit.P50, "ms");
            figures.Report("host.submit.durable.p99_ms", submit.P99, "ms");
            figures.Goal("host.submit.durable.p99_ms", submit.P99, "<= 5", submit.P99 <= 5);
        });

        // ...the cost of exporting the library's metrics and spans...
        await HostTelemetryQuick.RunAsync(figures);

        // ...and the real service process's memory after 100,000 tasks.
        await HostSoak.RunAsync(figures);
    }

    /// <summary>Runs <paramref name="measure"/> against the service in this process, journaled with <paramref name="persistence"/>, in a fresh data folder.</summary>
    private static async Task InServiceAsync(string persistence, Func<HttpClient, Task> measure)
    {
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("actors-bench-data-");
        var builder = WebApplication.CreateBuilder(["--urls", $"http://127.0.0.1:{port}", "--Serilog:MinimumLevel:Default", "Warning",
            "--Service:DataFolder", data.FullName, "--Service:TaskConcurrency", "64", "--Durability:Provider", persistence]);
        builder.AddActorsService();
        builder.Services.AddSingleton(TaskDefinition.Create<int, int>("bench.noop", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(64)));
        builder.Services.AddSingleton(TaskDefinition.Create<int, int>("bench.progress", ReportProgressAsync, TaskPresets.Analysis.WithConcurrencyLimit(64)));
        await using var app = builder.Build();
        app.MapActorsService();
        await app.StartAsync();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await measure(http);
        }
        finally
        {
            await app.StopAsync();
            data.Delete(recursive: true);
        }
    }

    /// <summary>Reports progress <paramref name="reports"/> times, 150 ms apart (beyond the 100 ms throttle), stamping each with the time it was reported.</summary>
    private static async Task<int> ReportProgressAsync(int reports, ITaskContext context)
    {
        for (var i = 1; i <= reports; i++)
        {
            context.ReportProgress(i * 90.0 / reports, Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
            await Task.Delay(150, context.CancellationToken);
        }

        return reports;
    }

    /// <summary>No-op tasks submitted at the measured rate, each answered as soon as it is accepted (stored, with a journal).</summary>
    private static Task<(double P50, double P99)> SubmitLatencyAsync(HttpClient http, int count) =>
        OpenLoopAsync(http, count, () => http.PostAsync("/api/tasks/bench.noop", Json("""{ "input": 1, "waitMs": 0 }""")));

    private static Task<(double P50, double P99)> OpenLoopAsync(HttpClient http, int count, Func<Task<HttpResponseMessage>> send) =>
        Measure.OpenLoopLatencyAsync(count, RequestsPerSecond, async () =>
        {
            using var response = await send();
            response.EnsureSuccessStatusCode();
        });

    /// <summary>Progress reported in a handler → received by an SSE client, over <paramref name="tasks"/> tasks of <paramref name="reports"/> reports each.</summary>
    private static async Task<(double P50, double P99)> SseLatencyAsync(HttpClient http, int tasks, int reports)
    {
        using var response = await http.GetAsync("/api/events?types=task", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() != ": subscribed")
        {
        }

        for (var i = 0; i < tasks; i++)
        {
            (await http.PostAsync("/api/tasks/bench.progress", Json($$"""{ "input": {{reports}} }"""))).EnsureSuccessStatusCode();
        }

        var latencies = new List<double>();
        var completed = 0;
        string? name = null;
        while (completed < tasks && await reader.ReadLineAsync() is { } line)
        {
            var received = Stopwatch.GetTimestamp();
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "task.progress")
            {
                var stamp = System.Text.Json.JsonDocument.Parse(line[6..]).RootElement.GetProperty("currentOperation").GetString()!;
                latencies.Add(Stopwatch.GetElapsedTime(long.Parse(stamp, CultureInfo.InvariantCulture), received).TotalMilliseconds);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "task.completed")
            {
                completed++;
            }
        }

        latencies.Sort();
        return (latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    internal static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
