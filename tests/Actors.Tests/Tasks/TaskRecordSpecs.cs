using Actors.Tasks;
using CsCheck;

namespace Actors.Tests.Tasks;

public sealed class TaskRecordSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TaskError Flaky = new("flaky", TaskErrorClass.Retryable);

    private static TaskRecord Queued() => TaskRecord.Start(new TaskQueued("t1", "demo", 7, TimeSpan.FromSeconds(1), "key-1", T0));

    [Fact]
    public void A_task_that_fails_once_then_succeeds_should_end_completed_with_two_attempts()
    {
        var record = Queued()
            .Apply(new TaskStarted("t1", "demo", 1, T0.AddSeconds(1)))
            .Apply(new TaskProgress("t1", 40, "reading", null, T0.AddSeconds(2)))
            .Apply(new TaskFailed("t1", "demo", Flaky, 1, T0.AddSeconds(4), T0.AddSeconds(3)));
        Assert.Equal((TaskState.RetryWaiting, T0.AddSeconds(4)), (record.Status, record.RetryAt));

        record = record
            .Apply(new TaskStarted("t1", "demo", 2, T0.AddSeconds(4)))
            .Apply(new TaskCompleted("t1", "demo", 42, TimeSpan.FromSeconds(5), T0.AddSeconds(5)));

        Assert.Equal((TaskState.Completed, 2, (object?)42, 100.0), (record.Status, record.Attempts, record.Result, record.Progress));
        Assert.Equal(("key-1", 7), (record.IdempotencyKey, record.Priority));
        Assert.True(record.IsTerminal);
        Assert.Null(record.Error); // the first attempt's failure is not the completed task's error
    }

    [Fact]
    public void Times_should_keep_their_instant_in_utc_and_none_should_stay_none()
    {
        var local = new DateTimeOffset(2026, 11, 23, 14, 0, 0, TimeSpan.FromHours(2));
        var record = TaskRecord.Start(new TaskQueued("t1", "demo", 5, TimeSpan.Zero, null, local));
        Assert.Equal((T0, TimeSpan.Zero), (record.QueuedAt, record.QueuedAt.Offset));
        Assert.Equal((null, null, null), (record.StartedAt, record.EndedAt, record.RetryAt));

        var failed = record.Apply(new TaskStarted("t1", "demo", 1, DateTimeOffset.MinValue)).Apply(new TaskFailed("t1", "demo", Flaky, 1, local.AddSeconds(9), local));

        Assert.Equal<DateTimeOffset?>(DateTimeOffset.MinValue, failed.StartedAt); // the earliest time is a time, not "none"
        Assert.Equal<DateTimeOffset?>(T0.AddSeconds(9), failed.RetryAt);
        Assert.Null(failed.EndedAt);
        Assert.Equal(failed, record.Apply(new TaskStarted("t1", "demo", 1, DateTimeOffset.MinValue)).Apply(new TaskFailed("t1", "demo", Flaky, 1, T0.AddSeconds(9), T0)));
    }

    [Fact]
    public void A_cancelled_waiting_task_should_never_start()
    {
        var cancelled = Queued().Apply(new TaskCancelled("t1", "demo", "not needed", T0.AddSeconds(1)));

        var error = Assert.Throws<InvalidTaskTransitionException>(() => cancelled.Apply(new TaskStarted("t1", "demo", 1, T0.AddSeconds(2))));

        Assert.Equal(TaskState.Cancelled, cancelled.Status);
        Assert.Contains("already ended (Cancelled)", error.Message);
    }

    [Fact]
    public void Events_out_of_order_should_be_refused_with_a_reason()
    {
        var running = Queued().Apply(new TaskStarted("t1", "demo", 1, T0));

        Assert.Contains("attempt 3 cannot follow attempt 0", Assert.Throws<InvalidTaskTransitionException>(() => Queued().Apply(new TaskStarted("t1", "demo", 3, T0))).Message);
        Assert.Contains("is for attempt 2", Assert.Throws<InvalidTaskTransitionException>(() => running.Apply(new TaskFailed("t1", "demo", Flaky, 2, null, T0))).Message);
        Assert.Contains("TaskCompleted cannot follow Waiting", Assert.Throws<InvalidTaskTransitionException>(() => Queued().Apply(new TaskCompleted("t1", "demo", 1, TimeSpan.Zero, T0))).Message);
        Assert.Contains("for task 'other'", Assert.Throws<InvalidTaskTransitionException>(() => running.Apply(new TaskProgress("other", 1, null, null, T0))).Message);
    }

    [Fact]
    public void Any_sequence_of_events_should_leave_at_most_one_terminal_state_and_nothing_after_it() =>
        Gen.Int[0, 5].Array[0, 12].Sample(kinds =>
        {
            var record = Queued();
            var terminalAt = -1;
            for (var i = 0; i < kinds.Length; i++)
            {
                var next = Event(kinds[i], record);
                try
                {
                    record = record.Apply(next);
                }
                catch (InvalidTaskTransitionException)
                {
                    continue;
                }

                if (terminalAt >= 0)
                {
                    return false;
                }

                if (record.IsTerminal)
                {
                    terminalAt = i;
                }
            }

            return record.Attempts >= 0 && (record.Status != TaskState.Running || record.Attempts > 0);
        });

    /// <summary>An event of kind 0-5 that would be plausible next (the record decides whether it is).</summary>
    private static TaskEvent Event(int kind, TaskRecord record) => kind switch
    {
        0 => new TaskStarted("t1", "demo", record.Attempts + 1, T0),
        1 => new TaskProgress("t1", 50, null, null, T0),
        2 => new TaskCompleted("t1", "demo", "done", TimeSpan.Zero, T0),
        3 => new TaskFailed("t1", "demo", Flaky, record.Attempts, T0.AddSeconds(1), T0),
        4 => new TaskFailed("t1", "demo", Flaky, record.Attempts, null, T0),
        _ => new TaskCancelled("t1", "demo", null, T0),
    };
}
