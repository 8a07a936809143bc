using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Tests;

/// <summary>The dashboard in a real headless Chromium against the real service process.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardSpecs(Browser browser) : IAsyncLifetime
{
    private readonly List<DashboardSession> _sessions = [];

    public Task InitializeAsync()
    {
        SetDefaultExpectTimeout(20_000);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_long_files_hash_should_show_its_progress_bar_move_then_reach_completed()
    {
        var session = await StartAsync();
        var folder = session.SparseFolder("big", 32, 96L << 20); // 3 GB: several seconds of hashing
        await Expect(session.Page.Locator("#key-form")).ToBeHiddenAsync();

        var id = await session.SubmitAsync("files.hash", new { path = folder });
        var bar = session.Page.Locator($"#running tr[data-task-id='{id}'] progress");
        await Expect(bar).ToBeVisibleAsync();
        var first = await ProgressAboveAsync(session.Page, id, 0);
        var later = await ProgressAboveAsync(session.Page, id, first);
        await session.ScreenshotAsync("progress");

        await Expect(session.Page.Locator($"#tasks tr[data-task-id='{id}']")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(session.Page.Locator("[data-count='completed']")).ToHaveTextAsync("1");
        Assert.InRange(later, first + double.Epsilon, 100);
        Assert.Equal("completed", await session.StatusAsync(id));
        await session.ScreenshotAsync("progress-completed");
        AssertNoPageErrors(session);
    }

    [Fact]
    public async Task The_cancel_button_should_cancel_a_running_task()
    {
        var session = await StartAsync();
        var folder = session.SparseFolder("huge", 64, 256L << 20); // 16 GB: runs far longer than the spec

        var id = await session.SubmitAsync("files.hash", new { path = folder });
        var row = session.Page.Locator($"#running tr[data-task-id='{id}']");
        await Expect(row).ToBeVisibleAsync();
        await row.Locator("button.cancel").ClickAsync();

        await Expect(session.Page.Locator($"#tasks tr[data-task-id='{id}']")).ToHaveAttributeAsync("data-status", "cancelled");
        await Expect(row).ToHaveCountAsync(0);
        Assert.Equal("cancelled", await session.StatusAsync(id));
        await session.ScreenshotAsync("cancelled");
        AssertNoPageErrors(session);
    }

    [Fact]
    public async Task A_failed_task_should_show_its_error_class_and_message_and_its_retry_button_should_run_it_again()
    {
        await using var upstream = await Upstream.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        var session = await StartAsync(new Dictionary<string, string> { ["Service__HttpFetch__AllowPrivateNetworks"] = "true" });
        var url = upstream.Urls.Single() + "/missing";

        var id = await session.SubmitAsync("http.fetch", new { url });
        var failure = session.Page.Locator($"#failures tr[data-task-id='{id}']");
        await Expect(failure.Locator(".error-class")).ToHaveTextAsync("userActionable");
        await Expect(failure.Locator(".error-message")).ToContainTextAsync("404");
        await Expect(session.Page.Locator($"#tasks tr[data-task-id='{id}']")).ToHaveAttributeAsync("data-status", "failed");
        await session.ScreenshotAsync("failed");

        await failure.Locator("button.retry").ClickAsync();
        await Expect(session.Page.Locator("#failures tbody tr")).ToHaveCountAsync(2);
        var retriedId = await session.Page.Locator("#failures tbody tr").First.GetAttributeAsync("data-task-id");
        Assert.NotEqual(id, retriedId);
        Assert.Equal("failed", await session.StatusAsync(retriedId!));
        await Expect(session.Page.Locator("[data-count='failed']")).ToHaveTextAsync("2");
        AssertNoPageErrors(session);
    }

    [Fact]
    public async Task A_jobs_state_changes_and_the_thunk_coordinators_should_appear()
    {
        var session = await StartAsync();

        Assert.Equal(HttpStatusCode.Created, (await session.Http.PostAsJsonAsync("/api/jobs/counters/visible", new { start = 10 })).StatusCode);
        var job = session.Page.Locator("#jobs tr[data-job-key='visible']");
        await Expect(job.Locator(".job-state")).ToContainTextAsync("\"count\":10");
        var versionBefore = long.Parse(await job.Locator(".job-version").TextContentAsync() ?? "");
        Assert.Equal(HttpStatusCode.Accepted, (await session.Http.PostAsJsonAsync("/api/jobs/counters/visible/actions", new { op = "add", amount = 5 })).StatusCode);
        await Expect(job.Locator(".job-state")).ToContainTextAsync("\"count\":15");
        Assert.True(long.Parse(await job.Locator(".job-version").TextContentAsync() ?? "") > versionBefore);

        Assert.Equal(HttpStatusCode.OK, (await session.Http.PostAsJsonAsync("/api/thunks/deposits", new { account = "alice", amount = 100 })).StatusCode);
        await Expect(session.Page.Locator("[data-thunk='completed']")).ToHaveTextAsync("1");
        Assert.NotEqual("0", await session.Page.Locator("[data-thunk='version']").TextContentAsync());

        Assert.Equal(HttpStatusCode.OK, (await session.Http.DeleteAsync("/api/jobs/counters/visible")).StatusCode);
        await Expect(job.Locator(".job-status")).ToContainTextAsync("stopped");
        await session.ScreenshotAsync("jobs-and-thunks");
        AssertNoPageErrors(session);
    }

    [Fact]
    public async Task With_an_api_key_the_page_should_work_only_after_the_key_is_entered()
    {
        const string key = "dashboard-spec-key-5f1c2e";
        var session = await StartAsync(apiKey: key);
        var page = session.Page;

        await Expect(page.Locator("#key-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#board")).ToBeHiddenAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "key-needed");
        await session.ScreenshotAsync("api-key-asked");

        await page.Locator("#key-input").FillAsync("not-the-key");
        await page.Locator("#key-submit").ClickAsync();
        await Expect(page.Locator("#key-error")).ToHaveTextAsync("That key was refused.");
        await Expect(page.Locator("#board")).ToBeHiddenAsync();

        await page.Locator("#key-input").FillAsync(key);
        await page.Locator("#key-submit").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("#board")).ToBeVisibleAsync();
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        var id = await session.SubmitAsync("files.hash", new { path = session.SparseFolder("small", 1, 1024) });
        await Expect(page.Locator($"#tasks tr[data-task-id='{id}']")).ToHaveAttributeAsync("data-status", "completed");
        await session.ScreenshotAsync("api-key-entered");
        AssertNoPageErrors(session, allow: "401");
    }

    [Fact]
    public async Task Every_panel_should_show_its_part_of_a_mixed_workload_at_once()
    {
        await using var upstream = await Upstream.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        var session = await StartAsync(new Dictionary<string, string> { ["Service__HttpFetch__AllowPrivateNetworks"] = "true" });
        var small = session.SparseFolder("small", 4, 1 << 20);
        var huge = session.SparseFolder("huge", 64, 256L << 20);

        var quick = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            quick.Add(await session.SubmitAsync("files.hash", new { path = small }));
        }

        var failed = await session.SubmitAsync("http.fetch", new { url = upstream.Urls.Single() + "/gone" });
        var running = await session.SubmitAsync("files.hash", new { path = huge });
        await session.Http.PostAsJsonAsync("/api/jobs/counters/orders", new { start = 40 });
        await session.Http.PostAsJsonAsync("/api/thunks/deposits", new { account = "alice", amount = 250 });

        var page = session.Page;
        await Expect(page.Locator($"#running tr[data-task-id='{running}'] progress")).ToBeVisibleAsync();
        await Expect(page.Locator($"#failures tr[data-task-id='{failed}'] .error-class")).ToHaveTextAsync("userActionable");
        await Expect(page.Locator($"#tasks tr[data-task-id='{quick[^1]}']")).ToHaveAttributeAsync("data-status", "completed");
        await Expect(page.Locator("#jobs tr[data-job-key='orders'] .job-state")).ToContainTextAsync("\"count\":40");
        await Expect(page.Locator("[data-thunk='completed']")).ToHaveTextAsync("1");
        await Expect(page.Locator("#by-type tr[data-group='files.hash']")).ToBeVisibleAsync();
        await Expect(page.Locator("#by-type tr[data-group='http.fetch']")).ToBeVisibleAsync();
        await Expect(page.Locator("#by-priority tr[data-group='5']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-count='completed']")).ToHaveTextAsync("12");
        await Expect(page.Locator("#cluster-panel")).ToBeHiddenAsync(); // one process, no cluster
        await page.ScreenshotAsync(new() { Path = Path.Combine(Browser.Screenshots, "overview.png") });
        AssertNoPageErrors(session);
    }

    /// <summary>Waits until the task's progress bar shows more than <paramref name="above"/> and less than 100; the value shown.</summary>
    private static async Task<double> ProgressAboveAsync(IPage page, string id, double above)
    {
        var shown = await page.WaitForFunctionAsync("""
            ([id, above]) => {
              const bar = document.querySelector(`#running tr[data-task-id="${id}"] progress`);
              return bar && bar.value > above && bar.value < 100 ? bar.value : null;
            }
            """, new object[] { id, above }, new() { Timeout = 30_000 });
        return await shown.JsonValueAsync<double>();
    }

    private async Task<DashboardSession> StartAsync(IReadOnlyDictionary<string, string>? environment = null, string? apiKey = null)
    {
        var session = await DashboardSession.StartAsync(browser, environment, apiKey);
        _sessions.Add(session);
        return session;
    }

    /// <summary>No script error and no Content-Security-Policy violation (Chromium logs those as console errors).</summary>
    private void AssertNoPageErrors(DashboardSession session, string? allow = null)
    {
        var errors = browser.Errors[session.Page];
        lock (errors)
        {
            Assert.DoesNotContain(errors, e => allow is null || !e.Contains(allow, StringComparison.Ordinal));
        }
    }

    public Task DisposeAsync() => Task.WhenAll(_sessions.Select(s => s.DisposeAsync().AsTask()));
}
