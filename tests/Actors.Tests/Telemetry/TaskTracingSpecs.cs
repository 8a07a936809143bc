using System.Diagnostics;
using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;

namespace Actors.Tests.Telemetry;

/// <summary>Task spans, read with an ActivityListener (what an OpenTelemetry tracer uses).</summary>
public sealed class TaskTracingSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    private readonly SpanRecorder _recorder = new(ActorsTelemetry.TasksSource);

    private IEnumerable<Activity> Spans => _recorder.Spans;

    protected override void Dispose(bool disposing)
    {
        _recorder.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public async Task An_attempt_span_should_be_a_child_of_its_submit_span_and_the_handler_should_run_under_it()
    {
        var type = $"traced-{Guid.NewGuid():N}";
        string? handlerSpan = null;
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>(type, (n, _) =>
        {
            handlerSpan = Activity.Current?.SpanId.ToHexString();
            return Task.FromResult(n);
        }, TaskPresets.Analysis)]);

        await queue.SubmitAsync(type, 1, wait: TimeSpan.FromSeconds(5));
        await AwaitAssertAsync(() => Assert.Contains(Spans, s => s.DisplayName == $"attempt {type}"));

        var submit = Assert.Single(Spans, s => s.DisplayName == $"submit {type}");
        var attempt = Assert.Single(Spans, s => s.DisplayName == $"attempt {type}");
        Assert.Equal(submit.TraceId, attempt.TraceId);
        Assert.Equal(submit.SpanId, attempt.ParentSpanId);
        Assert.Equal(attempt.SpanId.ToHexString(), handlerSpan);
        Assert.Equal(ActivityStatusCode.Unset, attempt.Status);
    }

    [Fact]
    public async Task A_submit_span_should_not_stay_current_so_the_callers_next_submit_is_its_sibling()
    {
        var type = $"traced-{Guid.NewGuid():N}";
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>(type, (n, _) => Task.FromResult(n), TaskPresets.Analysis)]);

        var first = queue.SubmitAsync(type, 1);
        var second = queue.SubmitAsync(type, 2);
        await Task.WhenAll(first, second);

        Assert.Null(Activity.Current);
        var submits = Spans.Where(s => s.DisplayName == $"submit {type}").ToList();
        Assert.Equal(2, submits.Count);
        Assert.All(submits, submit => Assert.Equal(default, submit.ParentSpanId));
    }
}
