using System.Reflection;
using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

public sealed class TaskSchedulingSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    private static TaskDefinition Gated(string type, TaskCompletionSource gate) => TaskDefinition.Create<string, string>(type, async (s, _) =>
    {
        if (s == "blocker")
        {
            await gate.Task;
        }

        return s;
    }, TaskPresets.Analysis.WithConcurrencyLimit(1));

    [Fact]
    public async Task A_freed_slot_shared_by_all_types_should_go_to_the_most_urgent_waiting_task_of_any_type_first_come_first_served_within_a_priority()
    {
        var gate = new TaskCompletionSource();
        var queue = TaskQueue.Start(Sys, [Gated("a", gate), Gated("b", gate)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 1 });
        var started = CreateTestProbe();
        Sys.EventStream.Subscribe(started.Ref, typeof(TaskStarted));
        await queue.SubmitAsync("a", "blocker");
        started.ExpectMsg<TaskStarted>();

        var low = (SubmitAccepted)await queue.SubmitAsync("a", "low", priority: 3);
        var urgentB = (SubmitAccepted)await queue.SubmitAsync("b", "urgent-b", priority: 9);
        var urgentA = (SubmitAccepted)await queue.SubmitAsync("a", "urgent-a", priority: 9);
        gate.SetResult();

        Assert.Equal([urgentB.TaskId, urgentA.TaskId, low.TaskId], [started.ExpectMsg<TaskStarted>().TaskId, started.ExpectMsg<TaskStarted>().TaskId, started.ExpectMsg<TaskStarted>().TaskId]);
    }

    [Fact]
    public async Task A_cancelled_waiting_task_should_never_take_a_slot()
    {
        var gate = new TaskCompletionSource();
        var queue = TaskQueue.Start(Sys, [Gated("a", gate)], TaskQueueSettings.Create(Sys) with { GlobalConcurrency = 1 });
        var started = CreateTestProbe();
        Sys.EventStream.Subscribe(started.Ref, typeof(TaskStarted));
        await queue.SubmitAsync("a", "blocker");
        started.ExpectMsg<TaskStarted>();
        var cancelled = (SubmitAccepted)await queue.SubmitAsync("a", "cancelled", priority: 10);
        var next = (SubmitAccepted)await queue.SubmitAsync("a", "next");

        Assert.IsType<TaskCancelRequested>(await queue.CancelAsync(cancelled.TaskId));
        gate.SetResult();

        Assert.Equal(next.TaskId, started.ExpectMsg<TaskStarted>().TaskId);
        Assert.Equal(TaskState.Cancelled, (await queue.GetAsync(cancelled.TaskId))!.Status);
    }

    [Fact]
    public async Task The_status_should_say_the_queue_accepts_submits_until_it_drains()
    {
        var queue = TaskQueue.Start(Sys, [Gated("a", new TaskCompletionSource())]);

        var before = await queue.GetStatusAsync();
        await queue.Queue.Ask<Akka.Done>(DrainTasks.Instance);
        var after = await queue.GetStatusAsync();

        Assert.True(before.AcceptsSubmits, before.Reason);
        Assert.False(after.AcceptsSubmits);
        Assert.Contains("Shutting down", after.Reason);
    }

    [Fact]
    public void Messages_between_the_queue_and_its_lanes_should_carry_data_only()
    {
        // Lanes may run on other nodes (step 9): no token, token source, callback, actor-local cell or task crosses.
        var protocol = new[] { typeof(RunTask), typeof(CancelAttempt), typeof(AttemptEnded), typeof(AttemptTimedOut), typeof(ProgressReported) };
        var forbidden = new[] { typeof(CancellationToken), typeof(CancellationTokenSource), typeof(Delegate), typeof(ProgressCell), typeof(Task), typeof(SemaphoreSlim) };

        var offending = protocol.SelectMany(message => message.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => forbidden.Any(f => f.IsAssignableFrom(p.PropertyType)))
                .Select(p => $"{message.Name}.{p.Name}"))
            .ToList();

        Assert.Empty(offending);
    }
}
