using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;
using Xunit.Abstractions;

namespace Actors.Tests.Tasks;

/// <summary>The lane mailbox, configured from the library's HOCON, orders waiting tasks.</summary>
public sealed class TaskLaneMailboxSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ActorsConfig.Defaults, output: output)
{
    private sealed record Waiting(int Priority, int Submitted) : IPrioritizedTaskMessage;

    private sealed record Control(string What);

    [Fact]
    public void Waiting_tasks_should_come_out_most_urgent_first_and_in_submission_order_within_a_priority()
    {
        var gate = new ManualResetEventSlim();
        var lane = Sys.ActorOf(Props.Create(() => new GatedEcho(TestActor, gate)).WithMailbox(TaskLaneMailbox.ConfigPath));
        lane.Tell("block");
        ExpectMsg("block");
        var submitted = new[] { 2, 9, 2, 5, 9, 2, 10, 5 }.Select((priority, i) => new Waiting(priority, i)).ToList();

        submitted.ForEach(task => lane.Tell(task));
        lane.Tell(new Control("status"));
        gate.Set();

        Assert.Equal(new Control("status"), ExpectMsg<Control>());
        var order = ReceiveN(submitted.Count).Cast<Waiting>().ToList();
        Assert.Equal(submitted.OrderByDescending(t => t.Priority).ThenBy(t => t.Submitted), order);
    }

    /// <summary>Blocks on its first message until the gate opens (so later ones wait in the mailbox), echoing each.</summary>
    private sealed class GatedEcho(IActorRef probe, ManualResetEventSlim gate) : UntypedActor
    {
        private bool _blocked;

        protected override void OnReceive(object message)
        {
            probe.Tell(message);
            if (!_blocked)
            {
                _blocked = true;
                gate.Wait(TimeSpan.FromSeconds(10));
            }
        }
    }
}
