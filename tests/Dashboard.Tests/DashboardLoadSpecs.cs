using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>The dashboard under a stream of 1,000 events a second for 10 seconds.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardLoadSpecs(Browser browser, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The goal is 1,000 a second: aim a little above it, so that a slow second does not fall below.</summary>
    private const double EventsPerSecond = 1_200;

    private const double GoalPerSecond = 1_000;
    private static readonly TimeSpan LoadFor = TimeSpan.FromSeconds(10);

    /// <summary>A files.hash of one small file: queued, started, progress and completed.</summary>
    private const double EventsPerTask = 4;

    private DashboardSession? _session;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task At_1000_events_a_second_for_10_seconds_the_page_should_keep_up_and_its_heap_grow_less_than_50_MB()
    {
        _session = await DashboardSession.StartAsync(browser);
        var page = _session.Page;
        var folder = _session.SparseFolder("one", 1, 4096);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var heapBefore = await HeapAfterCollectionAsync(cdp);

        // Our own client on the same stream: how many events the service sent, and when each task's completion arrived.
        using var ending = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stream = await _session.Http.GetAsync("/api/events?types=task", HttpCompletionOption.ResponseHeadersRead, ending.Token);
        using var events = new SseReader(await stream.Content.ReadAsStreamAsync(ending.Token));
        await events.SubscribedAsync(ending.Token);
        var completedAt = new ConcurrentDictionary<string, long>();
        var lastCompleted = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? last = null;
        var received = 0;
        var reading = Task.Run(async () =>
        {
            while (await events.NextAsync(ending.Token) is var (name, data))
            {
                Interlocked.Increment(ref received);
                if (name == "task.completed")
                {
                    var id = data.GetProperty("taskId").GetString()!;
                    completedAt[id] = Stopwatch.GetTimestamp();
                    if (id == Volatile.Read(ref last))
                    {
                        lastCompleted.TrySetResult(completedAt[id]);
                    }
                }
            }
        });

        var ids = await SubmitAtRateAsync(folder, EventsPerSecond / EventsPerTask, LoadFor);
        Volatile.Write(ref last, ids[^1]);
        if (completedAt.TryGetValue(ids[^1], out var already))
        {
            lastCompleted.TrySetResult(already);
        }

        var lastEventAt = await lastCompleted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var sentDuringLoad = Volatile.Read(ref received);

        var shown = await page.WaitForFunctionAsync("""
            id => document.querySelector(`#tasks tr[data-task-id="${id}"]`)?.dataset.status === 'completed'
            """, ids[^1], new() { Timeout = 10_000, PollingInterval = 10 });
        var lag = Stopwatch.GetElapsedTime(lastEventAt);
        await Expect(page.Locator("[data-count='completed']")).ToHaveTextAsync(ids.Count.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        await _session.ScreenshotAsync("load");
        var heapAfter = await HeapAfterCollectionAsync(cdp);
        ending.Cancel();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);

        output.WriteLine($"{ids.Count} tasks, {sentDuringLoad} events in {LoadFor.TotalSeconds} s ({sentDuringLoad / LoadFor.TotalSeconds:F0}/s, {sentDuringLoad / (double)ids.Count:F2} a task); " +
                         $"last task shown completed {lag.TotalMilliseconds:F0} ms after its event reached another client; heap {heapBefore / 1e6:F1} -> {heapAfter / 1e6:F1} MB");
        Assert.True(sentDuringLoad >= GoalPerSecond * LoadFor.TotalSeconds, $"The load reached only {sentDuringLoad} events in {LoadFor.TotalSeconds} s.");
        Assert.True(lag < TimeSpan.FromSeconds(1), $"The last task's final state was shown {lag.TotalMilliseconds:F0} ms after its event.");
        // Never fell behind and got disconnected; if it did, the service's log says why.
        var sessions = await page.Locator("#connection").GetAttributeAsync("data-sessions");
        Assert.True(sessions == "1", $"The page opened {sessions} event streams (it reconnected). The service's warnings:\n{_session.Service.Warnings}");
        Assert.InRange(heapAfter - heapBefore, long.MinValue, 50L * 1024 * 1024);
        await shown.DisposeAsync();
    }

    /// <summary>Submits files.hash tasks at <paramref name="perSecond"/> for <paramref name="duration"/>; their ids in submission order.</summary>
    private async Task<List<string>> SubmitAtRateAsync(string folder, double perSecond, TimeSpan duration)
    {
        var ids = new List<string>();
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && await ticks.WaitForNextTickAsync())
        {
            var due = (int)(clock.Elapsed.TotalSeconds * perSecond) - ids.Count;
            if (due > 0)
            {
                ids.AddRange(await Task.WhenAll(Enumerable.Range(0, due).Select(_ => _session!.SubmitAsync("files.hash", new { path = folder }))));
            }
        }

        return ids;
    }

    private static async Task<long> HeapAfterCollectionAsync(ICDPSession cdp)
    {
        await cdp.SendAsync("HeapProfiler.collectGarbage");
        var usage = await cdp.SendAsync("Runtime.getHeapUsage");
        return (long)usage!.Value.GetProperty("usedSize").GetDouble();
    }

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }
}
