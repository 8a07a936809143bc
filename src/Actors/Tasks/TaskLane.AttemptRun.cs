using Akka.Event;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Tasks;

internal sealed partial class TaskLane
{
    /// <summary>
    /// One handler call on the thread pool, and its report: one object per attempt, where <c>Task.Run</c> and a
    /// continuation made five; a handler that completes at once needs no continuation at all. It is its own work item
    /// (<c>QueueUserWorkItem</c> wrapped it in one more) and carries the execution context itself: the handler runs under
    /// whatever was current when the lane queued it (its span, say), as with <c>QueueUserWorkItem</c>.
    /// </summary>
    private sealed class AttemptRun<TState, T>(TaskLane lane, TState state, Func<TaskLane, TState, ValueTask<T>> call, AsyncServiceScope? scope,
        System.Diagnostics.Activity? span, string? what, Action<TaskLane, TState, ValueTask<T>, double> report) : IThreadPoolWorkItem
    {
        private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public void Execute()
        {
            if (_context is null)
            {
                Run();
            }
            else
            {
                ExecutionContext.Run(_context, static run => ((AttemptRun<TState, T>)run!).Run(), this);
            }
        }

        private void Run()
        {
            ValueTask<T> attempt;
            try
            {
                attempt = call(lane, state);
            }
            catch (Exception e)
            {
                attempt = ValueTask.FromException<T>(e);
            }

            // Read once, kept as its result or as a task (a failed call already is one): what ends it reads it more than once.
            if (attempt.IsCompleted)
            {
                _ = EndAsync(attempt.IsCompletedSuccessfully ? new ValueTask<T>(attempt.Result) : new ValueTask<T>(attempt.AsTask()));
                return;
            }

            attempt.AsTask().ContinueWith(static (ended, run) => ((AttemptRun<TState, T>)run!).EndAsync(new ValueTask<T>(ended)), this, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <param name="attempt">The call, completed: its result, or the task that failed.</param>
        private async Task EndAsync(ValueTask<T> attempt)
        {
            if (span is not null)
            {
                TaskTracing.EndAttempt(span, attempt.IsCompletedSuccessfully ? null : ErrorOf(lane.Definition, attempt));
            }

            if (scope is { } ending)
            {
                try
                {
                    await ending.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    lane.Log.Error(e, "Disposing the DI scope of {0} threw", what);
                }
            }

            report(lane, state, attempt, System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds);
        }
    }
}
