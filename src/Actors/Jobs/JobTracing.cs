using System.Diagnostics;
using Actors.Telemetry;

namespace Actors.Jobs;

/// <summary>The job spans (<see cref="ActorsTelemetry.JobsSource"/>): one per action a job handles, the handler running under it.</summary>
internal static class JobTracing
{
    private static readonly ActivitySource Source = new(ActorsTelemetry.JobsSource, typeof(JobTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Whether anybody listens (checked before anything else is paid for).</summary>
    public static bool Enabled => Source.HasListeners();

    /// <summary>
    /// Starts an action's span and makes it current, so the handler (and what it calls) runs under it; the caller restores
    /// the previous current span once the handler has returned its task. Null when nobody listens.
    /// </summary>
    public static Activity? StartAction(string kind, string key, object action)
    {
        var activity = Source.StartActivity($"job action {kind}");
        activity?.SetTag("job.kind", kind).SetTag("job.key", key).SetTag("job.action", action.GetType().Name);
        return activity;
    }

    /// <summary>Ends an action's span when its handling ends.</summary>
    public static void EndWhenDone(Activity activity, Task handling)
    {
        if (handling.IsCompleted)
        {
            End(activity, handling);
            return;
        }

        handling.ContinueWith(static (task, state) => End((Activity)state!, task), activity, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static void End(Activity activity, Task handling)
    {
        if (!handling.IsCompletedSuccessfully)
        {
            activity.SetStatus(ActivityStatusCode.Error, handling.Exception?.GetBaseException().Message ?? "cancelled");
        }

        activity.Stop();
    }
}
