using System.Collections.Concurrent;
using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using CsCheck;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>
/// Random workloads (types, priorities, successes, retryable and fatal failures, timeouts, cancellations):
/// every task ends in exactly one terminal state, and its events replay into the same record.
/// </summary>
public sealed class TaskWorkloadProperties(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults.WithFallback("akka.loglevel = WARNING"), output: output)
{
    /// <summary>What a task does: 0 succeeds, 1 fails retryably, 2 fails fatally, 3 hangs until cancelled (times out); and whether it is cancelled.</summary>
    private static readonly Gen<(int Behaviour, int Priority, bool Cancel, int Type)[]> Workload =
        Gen.Select(Gen.Int[0, 3], Gen.Int[1, 10], Gen.Bool, Gen.Int[0, 2]).Array[1, 25];

    [Fact]
    public async Task Every_task_should_end_in_exactly_one_terminal_state_with_a_valid_event_sequence()
    {
        var run = 0;
        await Workload.SampleAsync(async tasks =>
        {
            run++;
            var events = new ConcurrentQueue<TaskEvent>();
            var recorder = Sys.ActorOf(Props.Create(() => new TaskEventRecorder(events)));
            Sys.EventStream.Subscribe(recorder, typeof(TaskEvent));
            var settings = TaskPresets.ExternalApi.WithTimeout(TimeSpan.FromMilliseconds(150)).WithConcurrencyLimit(2)
                .WithRetry(new RetryPolicy(2, TimeSpan.FromMilliseconds(5), 2, TimeSpan.FromMilliseconds(20), 0.5));
            var definitions = Enumerable.Range(0, 3).Select(t => TaskDefinition.Create<int, int>($"w{run}-{t}", Behave, settings)).ToList();
            var queue = TaskQueue.Start(Sys, definitions, TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 3 });
            try
            {
                await RunAndCheckAsync(queue, tasks, events, run);
            }
            finally
            {
                // The next sample's queue takes the same name: wait until this one is gone.
                Sys.EventStream.Unsubscribe(recorder);
                Watch(queue.Queue);
                Sys.Stop(queue.Queue);
                await ExpectTerminatedAsync(queue.Queue);
            }
        }, iter: 12, threads: 1);
    }

    private async Task RunAndCheckAsync(ITaskQueue queue, (int Behaviour, int Priority, bool Cancel, int Type)[] tasks, ConcurrentQueue<TaskEvent> events, int run)
    {
        var ids = new List<string>();
        foreach (var (behaviour, priority, cancel, type) in tasks)
        {
            var accepted = (SubmitAccepted)await queue.SubmitAsync($"w{run}-{type}", behaviour, priority);
            ids.Add(accepted.TaskId);
            if (cancel)
            {
                await queue.CancelAsync(accepted.TaskId);
            }
        }

        await AwaitAssertAsync(async () => Assert.All(await Task.WhenAll(ids.Select(id => queue.GetAsync(id))), r => Assert.True(r!.IsTerminal)), TimeSpan.FromSeconds(20));
        var records = await Task.WhenAll(ids.Select(id => queue.GetAsync(id)));

        // The recorder gets events asynchronously: the last ones may still be on their way.
        await AwaitAssertAsync(() =>
        {
            foreach (var record in records)
            {
                var own = events.Where(e => e.TaskId == record!.Id).ToList();
                var replayed = own.Skip(1).Aggregate(TaskRecord.Start((TaskQueued)own[0]), (r, e) => r.Apply(e));
                Assert.Equal(1, own.Count(e => e is TaskCompleted or TaskCancelled or TaskFailed { IsFinal: true }));
                Assert.Equal(record!.Status, replayed.Status);
                Assert.Equal(record.Attempts, replayed.Attempts);
            }
        });
    }

    private static async Task<int> Behave(int behaviour, ITaskContext context)
    {
        switch (behaviour)
        {
            case 1:
                throw new InvalidOperationException("transient");
            case 2:
                throw new FatalTaskException("broken");
            case 3:
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return 3;
            default:
                await Task.Yield();
                return 0;
        }
    }
}
