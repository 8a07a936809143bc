using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

// A batching type's lane: the attempts the queue sends it gather until a batch is full or its linger window has
// passed, then one handler call runs them all. Each attempt keeps its own start, end and result for the queue, which
// schedules, times out and retries them one by one as it does any attempt.
internal sealed partial class TaskLane
{
    private readonly List<RunTask> _gathering = [];

    /// <summary>Counts the batches launched, so that a linger timer of a batch already launched (it filled up) does nothing.</summary>
    private int _batchGeneration;

    private void Gather(RunTask run, TaskBatching batching)
    {
        _gathering.Add(run);
        if (_gathering.Count >= batching.MaxSize)
        {
            LaunchBatch();
        }
        else if (_gathering.Count == 1)
        {
            var flush = new FlushBatch(this, _batchGeneration);
            if (batching.Linger > TimeSpan.Zero)
            {
                // Keyed by the lane too: a queue hosts the lanes of every type, with one set of timers.
                _timers.StartSingleTimer(flush, flush, batching.Linger);
            }
            else
            {
                // Behind whatever attempts are already in the host's mailbox: they join this batch.
                Host.Tell(flush);
            }
        }
    }

    private void LaunchBatch()
    {
        if (_gathering.Count == 0)
        {
            return;
        }

        var runs = _gathering.ToList();
        _gathering.Clear();
        _batchGeneration++;
        var batch = new RunningBatch(new CancellationTokenSource(), runs.Count);
        foreach (var run in runs)
        {
            _running[run.TaskId] = new BatchedAttempt(run.Attempt, batch);
        }

        var scope = _scopes?.CreateAsyncScope();
        var context = new BatchContext(runs.Select(r => r.TaskId).ToList(), runs.Select(r => r.Attempt).ToList(), batch.Cancellation.Token,
            scope?.ServiceProvider ?? NoServices.Instance);
        var inputs = runs.Select(r => r.Input).ToList();
        RunThenReport((Runs: runs, Inputs: inputs, Context: context, Batch: batch), static (lane, call) => new ValueTask<IReadOnlyList<object?>>(lane.Definition.InvokeBatchAsync(call.Inputs, call.Context)),
            scope, null, $"a batch of {runs.Count} {Definition.Type} tasks", static (lane, call, attempt, duration) =>
            {
                var error = attempt.IsCompletedSuccessfully ? null : ErrorOf(lane.Definition, attempt);
                lane.Host.Tell(new BatchReturned(lane, call.Batch, call.Runs.Select((run, i) =>
                    new AttemptEnded(run.TaskId, lane.Definition.Type, run.Attempt, error is null ? attempt.Result[i] : null, error, duration)).ToList()));
            });
    }

    private void OnBatchReturned(BatchReturned returned)
    {
        foreach (var ended in returned.Ended)
        {
            if (_running.TryGetValue(ended.TaskId, out var running) && running is BatchedAttempt batched && batched.Batch == returned.Batch)
            {
                _running.Remove(ended.TaskId);
            }

            _ended(ended);
        }
    }

    /// <summary>One task of a running batch is cancelled: the batch's token fires once all of them are.</summary>
    private static void CancelInBatch(RunningBatch batch, string taskId)
    {
        if (batch.Cancelled.Add(taskId) && batch.Cancelled.Count == batch.Size)
        {
            Fire(batch.Cancellation);
        }
    }

    /// <summary>A batch being run: its one token, and which of its tasks have been cancelled.</summary>
    private sealed class RunningBatch(CancellationTokenSource cancellation, int size)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public int Size { get; } = size;

        public HashSet<string> Cancelled { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The linger window of the batch gathering as number <paramref name="Generation"/> has passed.</summary>
    private sealed record FlushBatch(TaskLane Lane, int Generation) : Signal(Lane);

    /// <summary>From a batch's continuation: its handler has returned, with each task's end.</summary>
    private sealed record BatchReturned(TaskLane Lane, RunningBatch Batch, IReadOnlyList<AttemptEnded> Ended) : Signal(Lane), IAttemptReport;

    private sealed class BatchContext(IReadOnlyList<string> taskIds, IReadOnlyList<int> attempts, CancellationToken cancellationToken, IServiceProvider services)
        : ITaskBatchContext
    {
        public IReadOnlyList<string> TaskIds { get; } = taskIds;

        public IReadOnlyList<int> Attempts { get; } = attempts;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public IServiceProvider Services { get; } = services;
    }
}
