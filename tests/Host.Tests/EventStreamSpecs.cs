using System.Net;
using System.Text.Json;

namespace Host.Tests;

public sealed class EventStreamSpecs : ApiSpec
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    [Fact]
    public async Task A_long_files_hash_should_answer_202_stream_queued_started_progress_completed_in_order_then_show_its_result()
    {
        // 1 GB of sparse files: no disk to write, but every byte to hash (about 2 s here).
        var folder = Directory.CreateDirectory(Path.Combine(Service.Root.FullName, "big"));
        for (var i = 0; i < 16; i++)
        {
            await using var file = File.Create(Path.Combine(folder.FullName, $"part-{i:00}.bin"));
            file.SetLength(64L << 20);
        }

        using var http = Service.CreateClient();
        using var timeout = new CancellationTokenSource(Patience);
        using var stream = await http.GetAsync("/api/events?types=task", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        await events.SubscribedAsync(timeout.Token);

        var submit = await http.PostJsonAsync("/api/tasks/files.hash", """{ "input": { "path": "big" }, "waitMs": 100 }""");
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var id = (await submit.ReadJsonAsync()).Text("id");

        var names = new List<string>();
        while (names.LastOrDefault() != "task.completed" && await events.NextAsync(timeout.Token) is var (name, data))
        {
            if (data.Text("taskId") == id)
            {
                names.Add(name);
            }
        }

        Assert.Equal(["task.queued", "task.started"], names.Take(2));
        Assert.Equal("task.completed", names[^1]);
        Assert.True(names.Count(n => n == "task.progress") >= 2, string.Join(", ", names));
        Assert.All(names.Skip(2).SkipLast(1), n => Assert.Equal("task.progress", n));

        var record = await (await http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync();
        Assert.Equal("completed", record.Text("status"));
        Assert.Equal(16, record.GetProperty("result").GetProperty("files").GetInt32());
        Assert.Equal(1L << 30, record.GetProperty("result").GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.String, record.GetProperty("result").GetProperty("hashes")[0].GetProperty("sha256").ValueKind);
    }

    [Fact]
    public async Task A_stream_for_one_task_should_start_with_its_snapshot_and_carry_only_its_events()
    {
        using var http = Service.CreateClient();
        using var timeout = new CancellationTokenSource(Patience);
        var accepted = await (await http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 5 }""")).ReadJsonAsync();
        var id = accepted.Text("id");
        await http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 6 }""");

        using var stream = await http.GetAsync($"/api/events?task={id}", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        await events.SubscribedAsync(timeout.Token);
        var snapshot = await events.NextAsync(timeout.Token);
        Service.Gate.SetResult();
        var completed = await events.NextAsync(timeout.Token);

        Assert.Equal("task.snapshot", snapshot!.Value.Name);
        Assert.Equal(id, snapshot.Value.Data.GetProperty("record").Text("id"));
        Assert.Equal("task.completed", completed!.Value.Name);
        Assert.Equal(id, completed.Value.Data.Text("taskId"));
    }

    [Fact]
    public async Task A_bad_filter_should_be_answered_400()
    {
        using var http = Service.CreateClient();

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/events?types=tasks")).StatusCode);
        var jobStates = await http.GetAsync("/api/events?jobStates=some");
        Assert.Equal(HttpStatusCode.BadRequest, jobStates.StatusCode);
        Assert.Equal("jobStates", (await jobStates.ReadJsonAsync()).Text("field"));
    }

    [Fact]
    public async Task With_jobStates_all_a_stream_should_carry_the_state_of_jobs_running_before_it_and_of_jobs_started_after()
    {
        using var http = Service.CreateClient();
        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/api/jobs/counters/before", """{ "start": 3 }""")).StatusCode);

        using var stream = await http.GetAsync("/api/events?types=job&jobStates=all", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        await events.SubscribedAsync(timeout.Token);
        Assert.Equal(HttpStatusCode.Created, (await http.PostJsonAsync("/api/jobs/counters/after", """{ "start": 7 }""")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/jobs/counters/after/actions", """{ "op": "add", "amount": 5 }""")).StatusCode);

        var counts = new Dictionary<string, List<long>> { ["before"] = [], ["after"] = [] };
        while (!counts["after"].Contains(12) || counts["before"].Count == 0)
        {
            var (name, data) = (await events.NextAsync(timeout.Token))!.Value;
            if (name == "job.state")
            {
                counts[data.Text("key")].Add(data.GetProperty("state").GetProperty("count").GetInt64());
            }
        }

        Assert.Equal(3, counts["before"][0]);
        // A job that starts later is followed from its state when the stream learns of it: 7, or 12 if the add came first.
        Assert.Contains(counts["after"][0], new long[] { 7, 12 });
        Assert.Equal(counts["after"].Order(), counts["after"]);
        await http.DeleteAsync("/api/jobs/counters/before");
        await http.DeleteAsync("/api/jobs/counters/after");
    }
}
