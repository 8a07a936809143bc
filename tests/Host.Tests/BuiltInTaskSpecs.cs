using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Host.Tests;

public sealed class BuiltInTaskSpecs : ApiSpec
{
    [Fact]
    public async Task Code_analyze_should_count_lines_by_language_skipping_build_and_dependency_folders()
    {
        var tree = Directory.CreateDirectory(Path.Combine(Service.Root.FullName, "repo"));
        await File.WriteAllTextAsync(Path.Combine(tree.FullName, "a.cs"), "class A\n{\n}\n");
        await File.WriteAllTextAsync(Path.Combine(tree.FullName, "b.py"), "print(1)\n\nprint(2)");
        Directory.CreateDirectory(Path.Combine(tree.FullName, "node_modules"));
        await File.WriteAllTextAsync(Path.Combine(tree.FullName, "node_modules", "c.js"), "x()\n");

        var task = await (await Http.PostJsonAsync("/api/tasks/code.analyze", """{ "input": { "path": "repo" }, "waitMs": 10000 }""")).ReadJsonAsync();

        var result = task.GetProperty("result");
        Assert.Equal(2, result.GetProperty("files").GetInt32());
        Assert.Equal(["C#", "Python"], result.GetProperty("languages").EnumerateArray().Select(l => l.Text("language")).Order());
        Assert.Equal(6, result.GetProperty("lines").GetInt64());
        Assert.Equal(1, result.GetProperty("blankLines").GetInt64());
    }

    [Fact]
    public async Task Sqlite_bulk_should_insert_the_rows_into_a_file_in_the_data_folder_and_report_the_rate()
    {
        var task = await (await Http.PostJsonAsync("/api/tasks/sqlite.bulk", """{ "input": { "rows": 5000, "batchSize": 1000, "database": "bench-1" }, "waitMs": 20000 }""")).ReadJsonAsync();
        var badName = await Http.PostJsonAsync("/api/tasks/sqlite.bulk", """{ "input": { "rows": 10, "database": "../escape" } }""");

        var result = task.GetProperty("result");
        Assert.Equal(5000, result.GetProperty("rowsInTable").GetInt64());
        Assert.True(result.GetProperty("rowsPerSecond").GetDouble() > 0);
        Assert.True(File.Exists(Path.Combine(Service.Root.FullName, "data", "bulk", "bench-1.db")));
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
    }

    [Fact]
    public async Task Compute_primes_should_count_the_primes_below_n_on_the_compute_pool()
    {
        var task = await (await Http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 1000000, "segments": 7 }, "waitMs": 20000 }""")).ReadJsonAsync();

        Assert.Equal(78_498, task.GetProperty("result").GetProperty("primes").GetInt64());
        Assert.Equal(7, task.GetProperty("result").GetProperty("segments").GetInt32());
    }

    [Fact]
    public async Task Http_fetch_should_retry_transient_failures_and_refuse_urls_that_are_not_http()
    {
        var calls = 0;
        await using var upstream = await Upstream.StartAsync(context =>
        {
            if (Interlocked.Increment(ref calls) <= 2)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            return context.Response.WriteAsync("hello");
        });

        var task = await (await Http.PostJsonAsync("/api/tasks/http.fetch", $$"""{ "input": { "url": "{{upstream.Urls.Single()}}/data" }, "waitMs": 30000 }""")).ReadJsonAsync();
        var ftp = await Http.PostJsonAsync("/api/tasks/http.fetch", """{ "input": { "url": "ftp://example.com/x" } }""");

        Assert.Equal("completed", task.Text("status"));
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        Assert.Equal(5, task.GetProperty("result").GetProperty("bytes").GetInt64());
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", task.GetProperty("result").Text("sha256"));
        Assert.Equal(HttpStatusCode.BadRequest, ftp.StatusCode);
    }

    [Fact]
    public async Task Http_fetch_should_fail_at_once_on_a_client_error()
    {
        await using var upstream = await Upstream.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        var task = await (await Http.PostJsonAsync("/api/tasks/http.fetch", $$"""{ "input": { "url": "{{upstream.Urls.Single()}}/missing" }, "waitMs": 30000 }""")).ReadJsonAsync();

        Assert.Equal("failed", task.Text("status"));
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Equal("userActionable", task.GetProperty("error").Text("class"));
    }
}
