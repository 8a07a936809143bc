using System.Net;
using System.Text.RegularExpressions;

namespace Host.Tests;

/// <summary>Task spans in the real process (written to standard output with Service:ConsoleTraces): an attempt is a child of its submit, also after a restart.</summary>
public sealed partial class TraceSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_attempt_after_a_kill_9_and_a_restart_should_still_be_a_child_of_its_submit_span()
    {
        await using var upstream = await HeldUpstream.StartAsync();
        var folder = Directory.CreateTempSubdirectory("actors-trace-");
        var environment = new Dictionary<string, string> { ["Service__ConsoleTraces"] = "true", ["Service__HttpFetch__AllowPrivateNetworks"] = "true" };

        string id;
        Span submit;
        await using (var first = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            await Poll.UntilAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, Patience, TimeSpan.FromMilliseconds(100));
            var accepted = await http.PostAsync("/api/tasks/http.fetch", Json.Body($$"""{ "input": { "url": "{{upstream.Url}}/slow" } }"""));
            id = (await accepted.ReadJsonAsync()).Text("id");
            await Poll.UntilAsync(() => Task.FromResult(upstream.Arrived), n => n >= 1, Patience, TimeSpan.FromMilliseconds(50));
            submit = await Poll.UntilAsync(() => Task.FromResult(Spans(first.Output).FirstOrDefault(s => s.Name == "submit http.fetch")), s => s is not null, Patience,
                TimeSpan.FromMilliseconds(100)) ?? throw new InvalidOperationException("no submit span");
            await first.KillAsync();
        }

        upstream.Release();
        await using var second = await ServiceProcess.StartAsync(Patience, environment, workingDirectory: folder);
        using var again = new HttpClient { BaseAddress = second.BaseAddress };
        await Poll.UntilAsync(async () => (await (await again.GetAsync($"/api/tasks/{id}")).ReadJsonAsync()).Text("status"), status => status == "completed", Patience,
            TimeSpan.FromMilliseconds(200));
        var attempt = await Poll.UntilAsync(() => Task.FromResult(Spans(second.Output).FirstOrDefault(s => s.Name == "attempt http.fetch")), s => s is not null, Patience,
            TimeSpan.FromMilliseconds(100));

        Assert.Equal(submit.TraceId, attempt!.TraceId);
        Assert.Equal(submit.SpanId, attempt.ParentSpanId);
    }

    private sealed record Span(string Name, string TraceId, string SpanId, string? ParentSpanId);

    /// <summary>The spans the console exporter wrote, in the order written.</summary>
    private static List<Span> Spans(string output) => output.Split("Activity.TraceId:").Skip(1).Select(block => new Span(
        Field(block, "Activity.DisplayName") ?? "", block.Split('\n')[0].Trim(), Field(block, "Activity.SpanId") ?? "", Field(block, "Activity.ParentSpanId"))).ToList();

    private static string? Field(string block, string name) => Regex.Match(block, $@"{Regex.Escape(name)}:\s*(\S.*)") is { Success: true } match ? match.Groups[1].Value.Trim() : null;
}
