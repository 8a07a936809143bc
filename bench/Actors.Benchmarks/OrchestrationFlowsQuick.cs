using System.Diagnostics;
using Actors.Orchestration;
using Actors.Tasks;
using Akka.Actor;

namespace Actors.Benchmarks;

/// <summary>
/// The quick suite's flows: 200 flows of 50 no-op nodes each (a root, 48 nodes after it, one fan-in node after those), all
/// started at once, against the same 10,000 no-op tasks submitted on their own, same run, same queue settings.
/// </summary>
internal static class OrchestrationFlowsQuick
{
    private const int FlowCount = 200;
    private const int Width = 48;
    private const int Nodes = FlowCount * (Width + 2);

    public static async Task RunAsync(Figures figures)
    {
        var (tasks, flows) = await Measure.CompareRatesAsync(3, () => InSystem(IndependentTasksAsync), () => InSystem(FlowsAsync));
        figures.Report("baseline.flow.independent_tasks.rate", tasks, "tasks/s");
        figures.Report("orchestration.flow.nodes.rate", flows, "nodes/s");
        var ratio = flows / tasks;
        figures.Report("orchestration.flow.ratio", ratio, "x");
        figures.Goal("orchestration.flow.ratio", ratio, ">= 0.5", ratio >= 0.5);
    }

    private static Task<int> InSystem(Func<ActorSystem, ITaskQueue, Task> run) => BenchSystems.InFreshSystem(async system =>
    {
        var queue = TaskQueue.Start(system, [TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.ComputationHeavy.WithConcurrencyLimit(64))],
            TaskQueueSettings.Create(system) with { GlobalConcurrency = 64, Capacity = Nodes + 10 });
        await run(system, queue);
        return Nodes;
    });

    private static async Task IndependentTasksAsync(ActorSystem system, ITaskQueue queue)
    {
        var done = Completions(system, typeof(TaskCompleted), Nodes);
        await Task.WhenAll(Enumerable.Range(0, Nodes).Select(i => queue.SubmitAsync("noop", i)));
        await WaitAsync(done);
    }

    private static async Task FlowsAsync(ActorSystem system, ITaskQueue queue)
    {
        var runner = Flows.Start(system, queue);
        var done = Completions(system, typeof(FlowEnded), FlowCount);
        var middle = Enumerable.Range(0, Width).Select(i => $"m{i}").ToList();
        List<FlowNode> nodes = [new("root", "noop", 0), .. middle.Select((name, i) => new FlowNode(name, "noop", i, ["root"])), new("sink", "noop", 0, middle)];
        var started = await Task.WhenAll(Enumerable.Range(0, FlowCount).Select(_ => runner.StartAsync(nodes)));
        if (started.OfType<FlowRejected>().FirstOrDefault() is { } rejected)
        {
            throw new InvalidOperationException(rejected.Reason);
        }

        await WaitAsync(done);
    }

    private static CountdownEvent Completions(ActorSystem system, Type eventType, int count)
    {
        var done = new CountdownEvent(count);
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Countdown(done))), eventType);
        return done;
    }

    private static async Task WaitAsync(CountdownEvent done)
    {
        if (!await Task.Run(() => done.Wait(TimeSpan.FromMinutes(2))))
        {
            throw new TimeoutException($"{done.CurrentCount} had not completed after 2 minutes.");
        }
    }

    private sealed class Countdown(CountdownEvent done) : UntypedActor
    {
        protected override void OnReceive(object message) => done.Signal();
    }
}
