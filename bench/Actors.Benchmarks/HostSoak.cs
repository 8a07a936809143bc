using System.Diagnostics;

namespace Actors.Benchmarks;

/// <summary>
/// The service's memory under a long run: the real service process (default SQLite journal, default
/// settings) takes 100,000 small tasks through its HTTP API; its resident memory afterwards against its
/// resident memory when idle, measured in the same run.
/// </summary>
internal static class HostSoak
{
    private const int Tasks = 100_000;
    private const int Concurrency = 32;

    public static async Task RunAsync(Figures figures)
    {
        var port = HostQuick.FreePort();
        var folder = Directory.CreateTempSubdirectory("actors-bench-soak-");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        // Defaults but for the concurrency: the one-unit primes tasks stand for no-op tasks, so they may run as many at once as no-op tasks would.
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Actors.Host.dll"), "--urls", $"http://127.0.0.1:{port}", "--Serilog:MinimumLevel:Default", "Warning",
                     "--Service:TaskConcurrency", "64", "--Service:TaskTypeConcurrency:compute.primes", "64" })
        {
            start.ArgumentList.Add(argument);
        }

        using var service = Process.Start(start)!;
        service.OutputDataReceived += (_, _) => { };
        service.ErrorDataReceived += (_, _) => { };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilReadyAsync(http);
            await SubmitAsync(http, 2_000); // warm up: JIT, pools, first journal writes
            var idle = ResidentMegabytes(service);

            var watch = Stopwatch.StartNew();
            await SubmitAsync(http, Tasks);
            var submitted = ResidentMegabytes(service);
            await WaitUntilDrainedAsync(http);
            var rate = Tasks / watch.Elapsed.TotalSeconds;
            var after = ResidentMegabytes(service);
            Console.Error.WriteLine($"# RSS when the last submit was answered: {submitted:0} MB");

            figures.Report("baseline.host.idle.rss_mb", idle, "MB");
            figures.Report("host.soak.rss_mb", after, "MB");
            figures.Report("host.soak.tasks.rate", rate, "tasks/s");
            figures.Goal("host.soak.rss_mb", after, "<= 300", after <= 300);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Submits <paramref name="count"/> tasks from <see cref="Concurrency"/> loops, each waiting for its answer.</summary>
    private static Task SubmitAsync(HttpClient http, int count)
    {
        var next = 0;
        return Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                using var body = new StringContent("""{ "input": { "below": 2, "segments": 1 } }""", System.Text.Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/api/tasks/compute.primes", body);
                response.EnsureSuccessStatusCode();
            }
        }));
    }

    /// <summary>Waits until no task waits or runs (the queue has finished all it was given).</summary>
    private static async Task WaitUntilDrainedAsync(HttpClient http)
    {
        while (true)
        {
            var waiting = await http.GetStringAsync("/api/tasks?status=waiting&limit=1");
            var running = await http.GetStringAsync("/api/tasks?status=running&limit=1");
            if (waiting == "[]" && running == "[]")
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The service did not become ready within 60 s.");
    }

    private static double ResidentMegabytes(Process process) =>
        long.Parse(File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
