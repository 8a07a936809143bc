using System.Diagnostics;
using Actors.Telemetry;

namespace Actors.Tasks;

/// <summary>
/// The task spans (<see cref="ActorsTelemetry.TasksSource"/>). A submit through the facade is a span whose W3C trace
/// context travels with the task (<see cref="SubmitTask.TraceParent"/>, stored with it in the journal); each attempt is
/// a span whose parent is that context, so an attempt after a restart joins the same trace.
/// </summary>
internal static class TaskTracing
{
    private static readonly ActivitySource Source = new(ActorsTelemetry.TasksSource, typeof(TaskTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the span of a submit (null when nobody listens), a child of the caller's current span, without leaving it
    /// current in the caller's flow (the caller's next submit must not become its child).
    /// </summary>
    public static Activity? StartSubmit(string type)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = Source.StartActivity($"submit {type}", ActivityKind.Producer);
        activity?.SetTag("task.type", type);
        Activity.Current = previous;
        return activity;
    }

    /// <summary>
    /// Starts the span of an attempt, as a child of the submit's context, without leaving it current on the calling (actor)
    /// thread; the lane makes it current only while it starts the handler (which then runs under it).
    /// </summary>
    public static Activity? StartAttempt(string type, string taskId, int attempt, string? traceParent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity($"attempt {type}", ActivityKind.Consumer, parent);
        activity?.SetTag("task.type", type);
        activity?.SetTag("task.id", taskId);
        activity?.SetTag("task.attempt", attempt);
        Activity.Current = previous;
        return activity;
    }

    /// <summary>Ends an attempt's span with its outcome.</summary>
    public static void EndAttempt(Activity? activity, TaskError? error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag("task.error.class", error.Class.ToString());
        }

        activity.Stop();
    }
}
