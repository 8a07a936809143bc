using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Akka.Dispatch;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>The queue's mailbox takes a running attempt's reports before the submits waiting, so slots do not idle behind a flood.</summary>
public sealed class TaskQueueMailboxSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    [Fact]
    public void Its_queue_should_hand_out_reports_before_other_messages_and_put_back_messages_before_both()
    {
        var queue = new TaskQueueMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, new Envelope(new SubmitTask("a", 1), ActorRefs.NoSender));
        queue.Enqueue(ActorRefs.Nobody, new Envelope(new AttemptEnded("t1", "a", 1, null, null), ActorRefs.NoSender));
        queue.Enqueue(ActorRefs.Nobody, new Envelope(new SubmitTask("a", 2), ActorRefs.NoSender));
        queue.Enqueue(ActorRefs.Nobody, new Envelope(new ProgressReported("t2", 1, 50, null), ActorRefs.NoSender));
        // The stash puts its messages back last first, each at the front.
        queue.EnqueueFirst(new Envelope("stashed second", ActorRefs.NoSender));
        queue.EnqueueFirst(new Envelope("stashed first", ActorRefs.NoSender));

        Assert.Equal(6, queue.Count);
        var order = new List<object>();
        while (queue.TryDequeue(out var envelope))
        {
            order.Add(envelope.Message);
        }

        Assert.Equal<object>(["stashed first", "stashed second", new AttemptEnded("t1", "a", 1, null, null), new ProgressReported("t2", 1, 50, null),
            new SubmitTask("a", 1), new SubmitTask("a", 2)], order);
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public void Its_queue_should_take_another_message_after_at_most_a_run_of_reports()
    {
        var queue = new TaskQueueMessageQueue();
        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, new Envelope(new ProgressReported("t", 1, i, null), ActorRefs.NoSender));
        }

        queue.Enqueue(ActorRefs.Nobody, new Envelope(new CancelTask("t"), ActorRefs.NoSender));
        var order = new List<object>();
        while (queue.TryDequeue(out var envelope))
        {
            order.Add(envelope.Message);
        }

        Assert.Equal(101, order.Count);
        Assert.Equal(TaskQueueMessageQueue.MaxReportsInARow, order.FindIndex(m => m is CancelTask));
    }

    [Fact]
    public async Task A_handler_reporting_progress_in_a_tight_loop_should_not_hold_up_its_cancel()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("chatty", (n, context) =>
        {
            // Reports as fast as it can until its token fires: the queue has a report to take nearly all the time.
            for (var i = 0L; !context.CancellationToken.IsCancellationRequested; i++)
            {
                context.ReportProgress(i % 100);
            }

            return Task.FromResult(n);
        }, TaskPresets.Analysis.WithRetry(RetryPolicy.None))]);
        var submitted = (SubmitAccepted)await queue.SubmitAsync("chatty", 0);
        await AwaitAssertAsync(async () => Assert.True((await queue.GetAsync(submitted.TaskId))!.Progress > 0));

        var cancelled = await queue.Queue.Ask<CancelResult>(new CancelTask(submitted.TaskId), TimeSpan.FromSeconds(5));

        Assert.IsType<TaskCancelRequested>(cancelled);
        Assert.Equal(TaskState.Cancelled, (await queue.Queue.Ask<TaskRecordReply>(new GetTask(submitted.TaskId), TimeSpan.FromSeconds(5))).Record!.Status);
    }

    [Fact]
    public async Task Under_a_flood_of_submits_a_freed_slot_should_be_taken_again_before_the_flood_is_accepted()
    {
        const int Flood = 20_000;
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("flooded", (n, _) => n == 0 ? gate.Task : Task.FromResult(n),
            TaskPresets.Analysis.WithConcurrencyLimit(1).WithRetry(RetryPolicy.None))], TaskQueueSettings.Create(Sys) with { KeepFinished = Flood + 1 });
        var first = (SubmitAccepted)await queue.SubmitAsync("flooded", 0);
        await AwaitAssertAsync(async () => Assert.Equal(TaskState.Running, (await queue.GetAsync(first.TaskId))!.Status));

        // The flood, and then the end of the attempt holding the one slot, wait in the queue's mailbox while it is held.
        var cell = (ActorCell)((ActorRefWithCell)queue.Queue).Underlying;
        cell.Suspend();
        var submit = new SubmitTask("flooded", 1);
        for (var i = 0; i < Flood; i++)
        {
            queue.Queue.Tell(submit, ActorRefs.NoSender);
        }

        gate.SetResult(0);
        AwaitCondition(() => cell.Mailbox!.MessageQueue.Count > Flood);
        cell.Resume(causedByFailure: null!);

        await AwaitAssertAsync(async () => Assert.Equal(Flood + 1, (await queue.ListAsync(TaskState.Completed, limit: Flood + 1)).Count), TimeSpan.FromSeconds(30));
        var flood = (await queue.ListAsync(limit: Flood + 1)).Where(r => r.Id != first.TaskId).ToList();
        var lastQueued = flood.Max(r => r.QueuedAt);
        var startedDuringTheFlood = flood.Count(r => r.StartedAt <= lastQueued);

        // Taken first, the held attempt's end frees the slot for the flood's first task as it is accepted (and more follow as
        // their ends come back while the flood is accepted). Behind the flood, that end would be taken after the last submit:
        // no task of the flood could start before it.
        Assert.True(startedDuringTheFlood >= 1, $"{startedDuringTheFlood} of {Flood} tasks started before the last was accepted");
    }
}
