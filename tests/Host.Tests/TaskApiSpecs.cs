using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;

namespace Host.Tests;

public sealed class TaskApiSpecs : ApiSpec
{
    [Fact]
    public async Task Submit_should_answer_200_with_the_result_when_the_task_ends_within_waitMs()
    {
        Directory.CreateDirectory(Path.Combine(Service.Root.FullName, "tree", "sub"));
        await File.WriteAllTextAsync(Path.Combine(Service.Root.FullName, "tree", "sub", "a.txt"), "hello");

        var response = await Http.PostJsonAsync("/api/tasks/files.scan", """{ "input": { "path": "tree" }, "waitMs": 10000 }""");
        var task = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed", task.Text("status"));
        Assert.Equal(1, task.GetProperty("result").GetProperty("files").GetInt32());
        Assert.Equal(2, task.GetProperty("result").GetProperty("depth").GetInt32());
    }

    [Fact]
    public async Task Submit_should_answer_202_with_the_id_and_location_when_the_task_goes_on()
    {
        var response = await Http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 7, "waitMs": 50 }""");
        var accepted = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/tasks/{accepted.Text("id")}", response.Headers.Location!.ToString());
        var running = await (await Http.GetAsync(response.Headers.Location)).ReadJsonAsync();
        Assert.Contains(running.Text("status"), new[] { "waiting", "running" });
        Service.Gate.SetResult();
    }

    [Theory]
    [InlineData("""{ "input": { "path": "." }, "priority": 11 }""", "priority")]
    [InlineData("""{ "input": { "path": "." }, "waitMs": -1 }""", "waitMs")]
    [InlineData("""{ "input": { "path": 42 } }""", "input.path")]
    [InlineData("""{ "input": { "pth": "." } }""", "input.pth")]
    [InlineData("""{ "input": { "path": "../../etc" } }""", "input")]
    [InlineData("""{ "inptu": {} }""", "body.inptu")]
    [InlineData("""{ "input": """, "body")]
    public async Task Submit_should_answer_400_naming_the_field_for_invalid_input(string body, string field)
    {
        var response = await Http.PostJsonAsync("/api/tasks/files.scan", body);
        var problem = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(field, problem.Text("field"));
    }

    [Fact]
    public async Task Submit_should_answer_404_for_an_unknown_type_and_413_for_an_oversized_body()
    {
        var unknown = await Http.PostJsonAsync("/api/tasks/no.such.type", "{}");
        var oversized = await Http.PostJsonAsync("/api/tasks/test.echo", $$"""{ "input": 1, "padding": "{{new string('x', 300 * 1024)}}" }""");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no.such.type", (await unknown.ReadJsonAsync()).Text("detail"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
    }

    [Fact]
    public async Task The_same_idempotency_key_should_give_the_same_task()
    {
        var first = new HttpRequestMessage(HttpMethod.Post, "/api/tasks/test.echo") { Content = Json.Body("""{ "input": 1, "waitMs": 5000 }""") };
        first.Headers.Add("Idempotency-Key", "order-17");
        var second = new HttpRequestMessage(HttpMethod.Post, "/api/tasks/test.echo") { Content = Json.Body("""{ "input": 1, "waitMs": 5000 }""") };
        second.Headers.Add("Idempotency-Key", "order-17");

        var a = await (await Http.SendAsync(first)).ReadJsonAsync();
        var b = await (await Http.SendAsync(second)).ReadJsonAsync();

        Assert.Equal(a.Text("id"), b.Text("id"));
        Assert.Equal(1, b.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task Get_list_and_cancel_should_answer_with_the_right_codes()
    {
        var done = await (await Http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 3, "waitMs": 5000 }""")).ReadJsonAsync();
        var waiting = await (await Http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 4 }""")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/api/tasks/{done.Text("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/tasks/task-999999")).StatusCode);
        var completed = await (await Http.GetAsync("/api/tasks?status=completed")).ReadJsonAsync();
        Assert.Contains(completed.EnumerateArray(), t => t.Text("id") == done.Text("id"));
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/api/tasks?status=sleeping")).StatusCode);

        var cancel = await Http.DeleteAsync($"/api/tasks/{waiting.Text("id")}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await cancel.ReadJsonAsync()).Text("status"));
        Assert.Equal(HttpStatusCode.Conflict, (await Http.DeleteAsync($"/api/tasks/{done.Text("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync("/api/tasks/task-999999")).StatusCode);
    }

    [Fact]
    public async Task Task_types_should_list_the_built_in_types_and_the_registered_ones()
    {
        var types = (await (await Http.GetAsync("/api/task-types")).ReadJsonAsync()).EnumerateArray().Select(t => t.Text("type")).ToList();

        Assert.Superset(new HashSet<string> { "files.hash", "files.scan", "sqlite.bulk", "code.analyze", "http.fetch", "compute.primes", "test.echo" }, types.ToHashSet());
    }

    [Fact]
    public async Task The_OpenAPI_document_should_describe_the_task_endpoints()
    {
        var document = await (await Http.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/tasks/{type}", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/events", out _));
    }

    [Fact]
    public async Task Retry_should_answer_202_with_a_new_task_for_a_cancelled_one_409_for_one_still_going_and_404_for_an_unknown_one()
    {
        var first = (await (await Http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 9 }""")).ReadJsonAsync()).Text("id");
        var goingOn = await Http.PostAsync($"/api/tasks/{first}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, goingOn.StatusCode);
        Assert.Contains("Only a failed or cancelled task", (await goingOn.ReadJsonAsync()).Text("detail"));

        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync($"/api/tasks/{first}")).StatusCode);
        var retried = await Http.PostAsync($"/api/tasks/{first}/retry", null);
        var accepted = await retried.ReadJsonAsync();
        Service.Gate.SetResult();

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.NotEqual(first, accepted.Text("id"));
        var done = await Poll.UntilAsync(async () => await (await Http.GetAsync($"/api/tasks/{accepted.Text("id")}")).ReadJsonAsync(), t => t.Text("status") == "completed");
        Assert.Equal(9, done.GetProperty("result").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync("/api/tasks/task-nope/retry", null)).StatusCode);
    }
}

public sealed class TaskCapacitySpecs
{
    [Fact]
    public async Task Submit_should_answer_429_when_the_queue_is_full_and_503_once_shutting_down()
    {
        await using var service = new ServiceFactory(new Dictionary<string, string?> { ["Service:TaskCapacity"] = "1" });
        using var http = service.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 1 }""")).StatusCode);
        var full = await http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 2 }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);

        // The running gate task holds the drain open (up to the grace period): the service is shutting down meanwhile.
        var shutdown = Akka.Actor.CoordinatedShutdown.Get(service.Services.GetRequiredService<Akka.Actor.ActorSystem>())
            .Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance);
        var late = await Poll.UntilAsync(() => http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 3 }"""), r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        service.Gate.SetResult();
        await shutdown.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
