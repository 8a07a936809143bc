using System.Net;
using System.Text.Json;

namespace Host.Tests;

/// <summary>Bad input gets a clear 4xx that names what is wrong, never a 500 and never a dead job.</summary>
public sealed class BadInputSpecs : ApiSpec
{
    [Theory]
    [InlineData("""{ "op": 7 }""")]
    [InlineData("""{ "op": "7" }""")]
    [InlineData("""{ "op": "add,reset" }""")]
    [InlineData("""{ "op": "subtract" }""")]
    public async Task An_action_with_an_unknown_op_should_get_400_listing_the_valid_ones_and_the_job_should_live_on(string action)
    {
        Assert.Equal(HttpStatusCode.Created, (await Http.PostJsonAsync("/api/jobs/counters/k1", """{ "start": 1 }""")).StatusCode);

        var response = await Http.PostJsonAsync("/api/jobs/counters/k1/actions", action);
        var problem = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("action.op", problem.Text("field"));
        Assert.Contains("add, reset", problem.Text("detail"));
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/api/jobs/counters/k1")).StatusCode);
    }

    [Fact]
    public async Task An_add_that_would_overflow_the_count_should_get_400_and_leave_the_count_as_it_was()
    {
        await Http.PostJsonAsync("/api/jobs/counters/k2", """{ "start": 10 }""");

        var huge = await Http.PostJsonAsync("/api/jobs/counters/k2/actions", $$"""{ "op": "add", "amount": {{long.MaxValue}} }""");
        var hugeStart = await Http.PostJsonAsync("/api/jobs/counters/k3", $$"""{ "start": {{long.MaxValue}} }""");
        var state = await (await Http.GetAsync("/api/jobs/counters/k2")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, hugeStart.StatusCode);
        Assert.Equal(10, state.GetProperty("state").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Idempotency_keys_should_be_one_header_of_at_most_200_characters_scoped_to_the_type_and_bound_to_the_input()
    {
        var first = await SubmitAsync("test.echo", "1", "order-9");
        var sameInput = await SubmitAsync("test.echo", "1", "order-9");
        var otherInput = await SubmitAsync("test.echo", "2", "order-9");
        var otherType = await SubmitAsync("compute.primes", """{ "below": 10 }""", "order-9");
        var tooLong = await SubmitAsync("test.echo", "1", new string('k', 201));
        var twice = new HttpRequestMessage(HttpMethod.Post, "/api/tasks/test.echo") { Content = Json.Body("""{ "input": 1 }""") };
        twice.Headers.Add("Idempotency-Key", ["a", "b"]);
        var repeated = await Http.SendAsync(twice);

        Assert.Equal(first.Id, sameInput.Id);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherInput.Status);
        Assert.Contains("'order-9'", otherInput.Body.Text("detail"));
        Assert.NotEqual(first.Id, otherType.Id);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
        Assert.Equal("Idempotency-Key", (await repeated.ReadJsonAsync()).Text("field"));
    }

    private async Task<(HttpStatusCode Status, string? Id, JsonElement Body)> SubmitAsync(string type, string input, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tasks/{type}") { Content = Json.Body($$"""{ "input": {{input}}, "waitMs": 5000 }""") };
        request.Headers.Add("Idempotency-Key", key);
        var response = await Http.SendAsync(request);
        var body = await response.ReadJsonAsync();
        return (response.StatusCode, body.TryGetProperty("id", out var id) ? id.GetString() : null, body);
    }

    [Fact]
    public async Task Status_should_take_one_name_and_refuse_lists_and_numbers()
    {
        var list = await Http.GetAsync("/api/tasks?status=Running,Waiting");
        var number = await Http.GetAsync("/api/tasks?status=1");
        var camel = await Http.GetAsync("/api/tasks?status=retryWaiting");

        Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, number.StatusCode);
        Assert.Contains("retryWaiting", (await list.ReadJsonAsync()).Text("detail"));
        Assert.Equal(HttpStatusCode.OK, camel.StatusCode);
    }

    [Fact]
    public async Task An_unknown_field_should_be_named_with_the_fields_there_are_and_no_CLR_type()
    {
        var response = await Http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": 100, "bellow": 5 } }""");
        var problem = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("input.bellow", problem.Text("field"));
        Assert.Equal("'input.bellow' is not a field of 'input'; its fields are: below, segments.", problem.Text("detail"));
    }

    [Fact]
    public async Task A_value_of_the_wrong_kind_should_name_the_kind_expected_and_no_CLR_type()
    {
        var problem = await (await Http.PostJsonAsync("/api/tasks/compute.primes", """{ "input": { "below": "many" } }""")).ReadJsonAsync();

        Assert.Equal("'input.below' is not valid: it must be an integer.", problem.Text("detail"));
    }

    [Fact]
    public async Task Cancelling_an_ended_task_should_get_409_saying_so_once()
    {
        var done = await (await Http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 3, "waitMs": 5000 }""")).ReadJsonAsync();

        var response = await Http.DeleteAsync($"/api/tasks/{done.Text("id")}");
        var detail = (await response.ReadJsonAsync()).Text("detail");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal($"Task '{done.Text("id")}' has already ended (completed).", detail);
    }

    [Fact]
    public async Task Events_for_an_unknown_task_or_job_should_get_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/events?task=task-424242")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/events?job=no-such-job")).StatusCode);
    }

    [Fact]
    public async Task Events_for_a_finished_task_should_send_its_snapshot_and_close()
    {
        var done = await (await Http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 5, "waitMs": 5000 }""")).ReadJsonAsync();

        var stream = await Http.GetStringAsync($"/api/events?task={done.Text("id")}").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("event: task.snapshot", stream);
        Assert.Contains("\"status\":\"completed\"", stream);
    }

    [Fact]
    public async Task Events_for_a_running_task_should_close_after_its_last_event()
    {
        var id = (await (await Http.PostJsonAsync("/api/tasks/test.gate", """{ "input": 6 }""")).ReadJsonAsync()).Text("id");
        await Poll.UntilAsync(async () => (await (await Http.GetAsync($"/api/tasks/{id}")).ReadJsonAsync()).Text("status"), s => s == "running");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await Http.GetAsync($"/api/events?task={id}", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        await events.SubscribedAsync(timeout.Token); // the task is still running: its end comes after this
        Service.Gate.SetResult();

        var names = new List<string>();
        while (await events.NextAsync(timeout.Token) is var (name, _))
        {
            names.Add(name);
        }

        // The read ended: the server closed the stream, and its last event was the task's end.
        Assert.Equal("task.completed", names[^1]);
    }

    [Fact]
    public async Task The_task_types_should_describe_their_inputs_in_JSON_terms()
    {
        var types = await (await Http.GetAsync("/api/task-types")).ReadJsonAsync();
        var bulk = types.EnumerateArray().Single(t => t.Text("type") == "sqlite.bulk").Text("input");

        Assert.Equal("{ rows: integer, batchSize: integer?, database: string? }", bulk);
    }

    [Fact]
    public async Task The_OpenAPI_document_should_have_body_schemas_every_answer_and_the_key_scheme()
    {
        var document = await (await Http.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = document.GetProperty("paths");

        Assert.True(paths.GetProperty("/api/tasks/{type}").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        var run = paths.GetProperty("/api/jobs/counters/{key}").GetProperty("post");
        Assert.True(run.TryGetProperty("requestBody", out _));
        Assert.Superset(new HashSet<string> { "200", "201", "400" }, run.GetProperty("responses").EnumerateObject().Select(p => p.Name).ToHashSet());
        var dispatch = paths.GetProperty("/api/jobs/counters/{key}/actions").GetProperty("post").GetProperty("responses");
        Assert.Superset(new HashSet<string> { "202", "400", "404" }, dispatch.EnumerateObject().Select(p => p.Name).ToHashSet());
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("X-Api-Key", scheme.Text("name"));
        Assert.Equal("header", scheme.Text("in"));
        Assert.True(paths.GetProperty("/api/tasks").GetProperty("get").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Task_states_should_be_spelled_the_same_in_answers_and_queries()
    {
        var done = await (await Http.PostJsonAsync("/api/tasks/test.echo", """{ "input": 8, "waitMs": 5000 }""")).ReadJsonAsync();
        var listed = await (await Http.GetAsync($"/api/tasks?status={done.Text("status")}")).ReadJsonAsync();

        Assert.Contains(listed.EnumerateArray(), t => t.Text("id") == done.Text("id"));
        Assert.Equal(JsonValueKind.Array, listed.ValueKind);
    }
}
