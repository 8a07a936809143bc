using Actors.Compute;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Compute;

public sealed class ProtocolSpecs(ITestOutputHelper output) : ComputeSpec(output)
{
    [Fact]
    public void RunWork_should_answer_started_then_completed_with_the_results()
    {
        var units = WorkUnit.CreateMany([1, 2, 3], static (int n) => n * 10);

        Pool.Coordinator.Tell(new RunWork(units, WorkRunMode.All));

        var started = ExpectMsg<WorkRunStarted>();
        var completed = ExpectMsg<WorkRunCompleted>();
        Assert.Same(started.Run, completed.Run);
        Assert.Equal([10, 20, 30], completed.Run.Units.Cast<WorkUnit<int>>().Select(u => u.Result));
    }

    [Fact]
    public void A_stream_run_should_tell_each_unit_as_it_finishes_before_the_end()
    {
        var units = WorkUnit.CreateMany(Enumerable.Range(0, 20), static n => n);

        Pool.Coordinator.Tell(new RunWork(units, WorkRunMode.Stream));

        var run = ExpectMsg<WorkRunStarted>().Run;
        var finished = Enumerable.Range(0, 20).Select(_ => ExpectMsg<WorkUnitFinished>()).ToArray();
        ExpectMsg<WorkRunCompleted>();
        Assert.All(finished, f => Assert.Equal(run.Id, f.RunId));
        Assert.Equal(units.OrderBy(u => u.Id), finished.Select(f => f.Unit).OrderBy(u => u.Id));
    }

    [Fact]
    public void A_race_by_message_should_name_its_winner()
    {
        var units = WorkUnit.CreateMany([5], static (int n) => n);

        Pool.Coordinator.Tell(new RunWork(units, WorkRunMode.Race));

        ExpectMsg<WorkRunStarted>();
        Assert.Same(units[0], Assert.Single(ExpectMsg<WorkRunCompleted>().Run.Winners));
    }

    [Fact]
    public void CancelWorkRun_should_end_the_run_as_failed_with_a_cancellation()
    {
        var units = Enumerable.Range(0, 10).Select(n => WorkUnit.Create(static (int x, WorkContext ctx) => WaitForCancellation(ctx), n)).ToArray();

        Pool.Coordinator.Tell(new RunWork(units, WorkRunMode.All));
        var run = ExpectMsg<WorkRunStarted>().Run;
        AwaitAssert(() => Assert.Equal(PoolSize, units.Count(u => u.Status == WorkStatus.Running)));
        Pool.Coordinator.Tell(new CancelWorkRun(run.Id));

        var failed = ExpectMsg<WorkRunFailed>();
        Assert.IsAssignableFrom<OperationCanceledException>(failed.Cause);
        Assert.Equal(WorkRunSettlement.Cancelled, failed.Run.Settlement);
    }

    [Fact]
    public void Bad_input_by_message_should_be_answered_with_a_failure()
    {
        Pool.Coordinator.Tell(new RunWork([], WorkRunMode.Race));

        var failure = ExpectMsg<Status.Failure>();
        Assert.IsType<ArgumentException>(failure.Cause);
    }

    [Fact]
    public void GetComputePoolStatus_should_list_every_worker_once_started()
    {
        AwaitAssert(() =>
        {
            Pool.Coordinator.Tell(GetComputePoolStatus.Instance);
            var status = ExpectMsg<ComputePoolStatus>();
            Assert.Equal(PoolSize, status.PoolSize);
            Assert.Equal(PoolSize, status.Workers.Select(w => w.Name).Distinct().Count());
            Assert.Equal(0, status.ActiveRuns);
        });
    }
}
