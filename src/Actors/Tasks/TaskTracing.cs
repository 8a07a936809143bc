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

        var scope = SpanScope.Save();
        var activity = Source.StartActivity(Names.Submit(type), ActivityKind.Producer);
        activity?.SetTag("task.type", type);
        scope.Restore();
        return activity;
    }

    /// <summary>
    /// Starts the span of an attempt, as a child of the submit's context, and leaves it current: the lane starts the handler
    /// under it, then restores its thread's context (<see cref="SpanScope"/>).
    /// </summary>
    public static Activity? StartAttempt(string type, string taskId, int attempt, string? traceParent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity(Names.Attempt(type), ActivityKind.Consumer, parent);
        activity?.SetTag("task.type", type).SetTag("task.id", taskId).SetTag("task.attempt", Attempts.Boxed(attempt));
        return activity;
    }

    /// <summary>The span names of each type, made once (a submit should not build a string only to name its span).</summary>
    private static class Names
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Submit, string Attempt)> ByType = new(StringComparer.Ordinal);

        public static string Submit(string type) => Of(type).Submit;

        public static string Attempt(string type) => Of(type).Attempt;

        private static (string Submit, string Attempt) Of(string type) => ByType.TryGetValue(type, out var names) ? names
            : ByType.Count < 10_000 ? ByType.GetOrAdd(type, static t => ($"submit {t}", $"attempt {t}")) : ($"submit {type}", $"attempt {type}");
    }

    /// <summary>Attempt numbers as tag values, boxed once.</summary>
    private static class Attempts
    {
        private static readonly object[] Small = Enumerable.Range(0, 16).Select(i => (object)i).ToArray();

        public static object Boxed(int attempt) => (uint)attempt < Small.Length ? Small[attempt] : attempt;
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
