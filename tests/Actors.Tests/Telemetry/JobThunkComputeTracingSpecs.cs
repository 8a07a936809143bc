using System.Collections.Immutable;
using System.Diagnostics;
using Actors.Compute;
using Actors.Configuration;
using Actors.Jobs;
using Actors.Telemetry;
using Actors.Tests.Jobs;
using Actors.Thunks;

namespace Actors.Tests.Telemetry;

/// <summary>The spans of job actions, thunk trees and compute runs, read with an ActivityListener (what an OpenTelemetry tracer uses).</summary>
public sealed class JobThunkComputeTracingSpecs() : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults)
{
    private static readonly string CallerName = $"caller-{Guid.NewGuid():N}";
    private static readonly ActivitySource Caller = new(CallerName);
    private readonly SpanRecorder _recorder = new(ActorsTelemetry.JobsSource, ActorsTelemetry.ThunksSource, ActorsTelemetry.ComputeSource, CallerName);

    private IEnumerable<Activity> Spans => _recorder.Spans;

    protected override void Dispose(bool disposing)
    {
        _recorder.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public async Task Each_job_action_should_be_a_span_the_handler_runs_under_and_a_failing_one_an_error()
    {
        var kind = $"traced-{Guid.NewGuid():N}";
        var jobs = JobManager.Start<string, string>(Sys, kind);
        await jobs.RunJobAsync("doc", () => new SpanRecordingJob());
        var job = (await jobs.GetRunningJobAsync("doc"))!;

        await job.DispatchAsync("first");
        var handledUnder = (await jobs.GetRunningJobAsync("doc"))!.State;
        await Assert.ThrowsAnyAsync<Exception>(() => job.DispatchAsync("fail"));

        await AwaitAssertAsync(() => Assert.Equal(2, Spans.Count(s => s.DisplayName == $"job action {kind}")));
        var spans = Spans.Where(s => s.DisplayName == $"job action {kind}").ToList();
        Assert.Equal(spans[0].SpanId.ToHexString(), handledUnder);
        Assert.Equal(("doc", "String"), ((string?)spans[0].GetTagItem("job.key"), (string?)spans[0].GetTagItem("job.action")));
        Assert.Equal(ActivityStatusCode.Unset, spans[0].Status);
        Assert.Equal(ActivityStatusCode.Error, spans[1].Status);
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task A_thunk_tree_should_be_a_span_under_the_callers_and_its_child_thunk_a_span_under_it()
    {
        var thunks = ThunkSystem.Start(Sys, ImmutableList<string>.Empty, (log, action) => log.Add((string)action)).Processor;
        using (Caller.StartActivity("request"))
        {
            await thunks.RunAsync(async context =>
            {
                await context.DispatchAsync("parent");
                await context.RunChildAsync(child => child.DispatchAsync("child"));
            }, new ThunkOptions(Keys: new HashSet<string> { "b", "a" }));
        }

        var request = Assert.Single(Spans, s => s.DisplayName == "request");
        var tree = Assert.Single(Spans, s => s.DisplayName == "thunk tree" && s.TraceId == request.TraceId);
        var child = Assert.Single(Spans, s => s.DisplayName == "thunk" && s.TraceId == request.TraceId);
        Assert.Equal(request.SpanId, tree.ParentSpanId);
        Assert.Equal(tree.SpanId, child.ParentSpanId);
        Assert.Equal("a,b", tree.GetTagItem("thunk.keys"));
        Assert.Equal(tree.GetTagItem("thunk.id"), child.GetTagItem("thunk.root"));
        Assert.Contains(tree.Events, e => e.Name == "started");
    }

    [Fact]
    public async Task A_compute_run_should_be_one_span_under_the_callers_and_not_stay_current()
    {
        var pool = ComputePool.Start(Sys);
        Activity? current;
        using (var request = Caller.StartActivity("compute request"))
        {
            await pool.AllAsync(Enumerable.Range(0, 20).Select(i => WorkUnit.Create(static (int n) => n * n, i)).ToList());
            current = Activity.Current;
            Assert.Same(request, current);
        }

        var caller = Assert.Single(Spans, s => s.DisplayName == "compute request");
        await AwaitAssertAsync(() => Assert.Single(Spans, s => s.DisplayName == "compute all" && s.TraceId == caller.TraceId));
        var run = Assert.Single(Spans, s => s.DisplayName == "compute all" && s.TraceId == caller.TraceId);
        Assert.Equal(caller.SpanId, run.ParentSpanId);
        Assert.Equal((20, "succeeded"), ((int)run.GetTagItem("compute.units.completed")!, (string?)run.GetTagItem("compute.settlement")));
    }

    /// <summary>Keeps, as its state, the span its handler ran under; fails the action "fail".</summary>
    private sealed class SpanRecordingJob() : Job<string, string>(string.Empty)
    {
        protected override Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

        protected override async Task HandleAsync(string action, CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (action == "fail")
            {
                throw new InvalidOperationException("refused");
            }

            SetState(Activity.Current?.SpanId.ToHexString() ?? "none");
        }
    }
}
