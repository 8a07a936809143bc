using Actors.Configuration;
using Actors.Tasks;
using Akka.Configuration;
using Akka.TestKit;

namespace Actors.Tests.Tasks;

/// <summary>Load shedding under virtual time: the load is read once a virtual second, from a probe the test sets.</summary>
public sealed class TaskLoadSheddingSpecs() : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"").WithFallback(ActorsConfig.Defaults))
{
    private volatile float _load;

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    [Fact]
    public async Task Under_overload_lower_priorities_should_be_held_back_first_while_8_and_above_keep_starting_and_all_start_once_it_calms()
    {
        var queue = TaskQueue.Start(Sys, [TaskDefinition.Create<int, int>("work", (n, _) => Task.FromResult(n), TaskPresets.Analysis.WithConcurrencyLimit(8))],
            TaskQueueSettings.Create(Sys) with { LoadShedding = true, LoadProbe = () => _load });
        var started = CreateTestProbe();
        var shed = CreateTestProbe();
        Sys.EventStream.Subscribe(started, typeof(TaskStarted));
        Sys.EventStream.Subscribe(shed, typeof(TaskLoadShed));

        // The queue has started (and scheduled its load samples) once it answers; only then may virtual time pass.
        Assert.True((await queue.GetStatusAsync()).AcceptsSubmits);

        // Two overloaded seconds hold back priorities below 4.
        _load = 1.5f;
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, shed.ExpectMsg<TaskLoadShed>().HeldBelowPriority);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, shed.ExpectMsg<TaskLoadShed>().HeldBelowPriority);
        var low = await SubmitAsync(queue, priority: 3);
        var middle = await SubmitAsync(queue, priority: 5);
        Assert.Equal(middle, started.ExpectMsg<TaskStarted>().TaskId);
        started.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Overload goes on: at most everything below 8 is held back; 8 and above still start.
        for (var second = 0; second < 4; second++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([6, 8], shed.ReceiveN(2).Cast<TaskLoadShed>().Select(e => e.HeldBelowPriority));
        var blocked = await SubmitAsync(queue, priority: 7);
        var urgent = await SubmitAsync(queue, priority: 8);
        Assert.Equal(urgent, started.ExpectMsg<TaskStarted>().TaskId);
        started.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Calm seconds let them start again, the higher first.
        _load = 0.2f;
        Clock.Advance(TimeSpan.FromSeconds(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(blocked, started.ExpectMsg<TaskStarted>().TaskId);
        started.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        for (var second = 0; second < 2; second++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(low, started.ExpectMsg<TaskStarted>().TaskId);
        Assert.Equal(0, shed.ReceiveN(4).Cast<TaskLoadShed>().Last().HeldBelowPriority);
    }

    private static async Task<string> SubmitAsync(ITaskQueue queue, int priority) => Assert.IsType<SubmitAccepted>(await queue.SubmitAsync("work", priority, priority)).TaskId;
}
