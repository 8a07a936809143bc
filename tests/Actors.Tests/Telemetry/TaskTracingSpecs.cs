using System.Collections.Concurrent;
using System.Diagnostics;
using Actors.Configuration;
using Actors.Tasks;
using Actors.Telemetry;

namespace Actors.Tests.Telemetry;

/// <summary>Task spans, read with an ActivityListener (what an OpenTelemetry tracer uses).</summary>
public sealed class TaskTracingSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public TaskTracingSpecs()
        : base(ActorsConfig.Defaults)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActorsTelemetry.TasksSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    protected override void Dispose(bool disposing)
    {
        _listener.Dispose();
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
        await AwaitAssertAsync(() => Assert.Contains(_spans, s => s.DisplayName == $"attempt {type}"));

        var submit = Assert.Single(_spans, s => s.DisplayName == $"submit {type}");
        var attempt = Assert.Single(_spans, s => s.DisplayName == $"attempt {type}");
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
        var submits = _spans.Where(s => s.DisplayName == $"submit {type}").ToList();
        Assert.Equal(2, submits.Count);
        Assert.All(submits, submit => Assert.Equal(default, submit.ParentSpanId));
    }
}
