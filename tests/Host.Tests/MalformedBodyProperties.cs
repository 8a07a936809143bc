using System.Net;
using CsCheck;

namespace Host.Tests;

/// <summary>Malformed request bodies (bad JSON, wrong types, huge numbers, deep nesting, $type, oversized) never get a 500.</summary>
public sealed class MalformedBodyProperties : ApiSpec
{
    private static readonly string[] Paths =
        ["/api/tasks/test.echo", "/api/tasks/files.scan", "/api/tasks/http.fetch", "/api/tasks/sqlite.bulk", "/api/jobs/counters/k", "/api/jobs/counters/k/actions", "/api/thunks/transfers", "/api/thunks/deposits"];

    private static readonly Gen<string> JsonValue = Gen.OneOf(
        Gen.Const("null"), Gen.Const("true"), Gen.Const("\"text\""), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("-1"), Gen.Const("0.5"),
        Gen.Const("1e400"), Gen.Const("-1e400"), Gen.Const("99999999999999999999999999"), Gen.Const("\"../../../../etc/passwd\""),
        Gen.Int.Select(n => n.ToString()), Gen.String.Select(s => System.Text.Json.JsonSerializer.Serialize(s)));

    private static readonly Gen<string> Body = Gen.OneOf(
        Gen.String,
        JsonValue,
        Gen.Select(JsonValue, JsonValue, JsonValue, (input, priority, wait) => $$"""{ "input": {{input}}, "priority": {{priority}}, "waitMs": {{wait}} }"""),
        Gen.Select(JsonValue, JsonValue, (path, rows) => $$"""{ "input": { "path": {{path}}, "rows": {{rows}}, "url": {{path}} } }"""),
        Gen.Select(JsonValue, (v) => $$"""{ "$type": "System.IO.FileInfo, System.IO", "input": { "$type": "System.Diagnostics.Process", "path": {{v}} } }"""),
        Gen.Select(JsonValue, JsonValue, (op, amount) => $$"""{ "op": {{op}}, "amount": {{amount}}, "from": {{op}}, "to": "b", "account": {{op}} }"""),
        Gen.Int[20, 5_000].Select(depth => $$"""{ "input": {{new string('[', depth)}}{{new string(']', depth)}} }"""),
        Gen.Int[20, 3_000].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)),
        Gen.Int[250, 400].Select(kb => $$"""{ "input": "{{new string('x', kb * 1024)}}" }"""),
        Gen.String.Select(s => "{ \"input\": " + s));

    [Fact]
    public async Task A_thousand_malformed_bodies_should_never_get_a_server_error()
    {
        using var http = Service.CreateClient();

        await Gen.Select(Gen.Int[0, Paths.Length - 1], Body).SampleAsync(async sample =>
        {
            var (path, body) = sample;
            var response = await http.PostJsonAsync(Paths[path], body);
            Assert.True((int)response.StatusCode < 500, $"{Paths[path]} answered {(int)response.StatusCode} to {body[..Math.Min(body.Length, 200)]}: {await response.Content.ReadAsStringAsync()}");
            Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        }, iter: 1_000, threads: 1);
    }
}
