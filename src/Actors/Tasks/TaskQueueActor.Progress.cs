namespace Actors.Tasks;

// Progress throttling: at most one TaskProgress per interval per task, always the latest value (held
// back and flushed at the end of the interval, or before completion), and 100 % at once.
internal sealed partial class TaskQueueActor
{
    /// <summary>10 progress events a second at most, per task.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    private void OnProgress(ProgressReported signal)
    {
        if (!_tasks.TryGetValue(signal.TaskId, out var run) || run.Record.Status != TaskState.Running || !IsPlaced(run, signal.Attempt))
        {
            return;
        }

        var progress = new ProgressValue(signal.Percent, signal.CurrentOperation);

        var sinceLast = Now - run.LastProgressAt;
        if (progress.Percent >= 100 || sinceLast >= ProgressInterval)
        {
            run.HeldProgress = null;
            Timers.Cancel((run.Record.Id, "progress"));
            PublishProgress(run, progress);
            return;
        }

        if (run.HeldProgress is null)
        {
            Timers.StartSingleTimer((run.Record.Id, "progress"), new FlushProgress(run.Record.Id), ProgressInterval - sinceLast);
        }

        run.HeldProgress = progress;
    }

    /// <summary>Publishes the held-back progress of a running task, if any.</summary>
    private void Flush(string taskId)
    {
        if (_tasks.TryGetValue(taskId, out var run) && run.HeldProgress is { } held && run.Record.Status == TaskState.Running)
        {
            run.HeldProgress = null;
            Timers.Cancel((taskId, "progress"));
            PublishProgress(run, held);
        }
    }

    private void PublishProgress(TaskRun run, ProgressValue progress)
    {
        run.LastProgressAt = Now;
        Apply(run, new TaskProgress(run.Record.Id, progress.Percent, progress.CurrentOperation, Remaining(run.Record, progress.Percent), Now));
    }

    /// <summary>Time left if the rest goes as fast as what is done so far; null before anything is done.</summary>
    private TimeSpan? Remaining(TaskRecord record, double percent) =>
        percent <= 0 || record.StartedAt is not { } started ? null : (Now - started) * ((100 - percent) / percent);
}
