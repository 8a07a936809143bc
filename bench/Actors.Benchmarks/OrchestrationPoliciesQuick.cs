using System.Diagnostics;
using Actors.Host.BuiltIn;
using Actors.Tasks;
using Actors.TestKit;
using Akka.Actor;

namespace Actors.Benchmarks;

/// <summary>
/// The quick suite's task policies. Adaptive concurrency: a simulated upstream of capacity 16 and 5 ms base latency, called
/// by a type whose limit adapts (from 1, up to 64), against the same upstream called at exactly its capacity (the best a
/// hand-tuned fixed limit can do), same run. Batching: durable SQLite inserts (one fsync per commit) through the queue,
/// as the service's batched <c>sqlite.insert</c> against the same type with one transaction per task.
/// </summary>
internal static class OrchestrationPoliciesQuick
{
    private const int Capacity = 16;
    private static readonly TimeSpan BaseLatency = TimeSpan.FromMilliseconds(5);

    public static async Task RunAsync(Figures figures)
    {
        await AdaptiveAsync(figures);
        await BatchingAsync(figures);
    }

    private static async Task AdaptiveAsync(Figures figures)
    {
        const int calls = 8_000;
        var unloaded = new SimulatedUpstream(Capacity, BaseLatency);
        var (_, baseP99) = await CallThroughQueueAsync(unloaded, 400, TaskPresets.ExternalApi.WithConcurrencyLimit(1));
        var fixedAtCapacity = new SimulatedUpstream(Capacity, BaseLatency);
        var (capacityRate, _) = await CallThroughQueueAsync(fixedAtCapacity, calls, TaskPresets.ExternalApi.WithConcurrencyLimit(Capacity));
        var adaptive = new SimulatedUpstream(Capacity, BaseLatency);
        var (adaptiveRate, adaptiveP99) = await CallThroughQueueAsync(adaptive, calls,
            TaskPresets.ExternalApi.WithConcurrencyLimit(64).WithAdaptiveConcurrency(new TaskAdaptiveConcurrency(Min: 1, Initial: 1)));

        figures.Report("baseline.aimd.fixed_at_capacity.rate", capacityRate, "calls/s");
        figures.Report("orchestration.aimd.rate", adaptiveRate, "calls/s");
        figures.Report("orchestration.aimd.rejected", adaptive.Rejected, "503s");
        var goodput = adaptiveRate / capacityRate;
        figures.Report("orchestration.aimd.goodput_ratio", goodput, "x");
        figures.Goal("orchestration.aimd.goodput_ratio", goodput, ">= 0.9", goodput >= 0.9);
        figures.Report("baseline.aimd.unloaded_p99_ms", baseP99, "ms");
        var p99Ratio = adaptiveP99 / baseP99;
        figures.Report("orchestration.aimd.p99_vs_base", p99Ratio, "x");
        figures.Goal("orchestration.aimd.p99_vs_base", p99Ratio, "<= 2", p99Ratio <= 2);
    }

    /// <summary>Runs <paramref name="calls"/> tasks that each call the upstream once (retrying its 503s), and returns the completions per second and the upstream's p99 latency.</summary>
    private static Task<(double Rate, double P99Ms)> CallThroughQueueAsync(SimulatedUpstream upstream, int calls, TaskSettings settings) => BenchSystems.InFreshSystem(async system =>
    {
        var queue = TaskQueue.Start(system,
        [
            TaskDefinition.Create<int, int>("call", (n, context) => upstream.CallAsync(n, context.CancellationToken),
                settings.WithRetry(new RetryPolicy(1_000, TimeSpan.FromMilliseconds(1), 1, TimeSpan.FromMilliseconds(1), 0))),
        ], TaskQueueSettings.Create(system) with { GlobalConcurrency = 128, Capacity = calls + 10 });
        var done = new CountdownEvent(calls);
        var listener = system.ActorOf(Props.Create(() => new CountingListener(done)));
        system.EventStream.Subscribe(listener, typeof(TaskCompleted));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, calls).Select(i => queue.SubmitAsync("call", i)));
        await WaitAsync(done);
        return (calls / clock.Elapsed.TotalSeconds, upstream.LatencyPercentileMs(99));
    });

    private static async Task BatchingAsync(Figures figures)
    {
        var folder = Directory.CreateTempSubdirectory("actors-bench-insert-");
        try
        {
            var oneByOne = await InsertThroughQueueAsync(SqliteInsertTask.Create(folder.FullName, null, "insert.one"), 1_000);
            var batched = await InsertThroughQueueAsync(SqliteInsertTask.Create(folder.FullName, SqliteInsertTask.Batching, "insert.batched"), 10_000);
            figures.Report("baseline.batching.one_by_one.rate", oneByOne, "inserts/s");
            figures.Report("orchestration.batching.rate", batched, "inserts/s");
            var speedup = batched / oneByOne;
            figures.Report("orchestration.batching.speedup", speedup, "x");
            figures.Goal("orchestration.batching.speedup", speedup, ">= 5", speedup >= 5);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static Task<double> InsertThroughQueueAsync(TaskDefinition type, int inserts) => BenchSystems.InFreshSystem(async system =>
    {
        var queue = TaskQueue.Start(system, [type], TaskQueueSettings.Create(system) with { GlobalConcurrency = 512, Capacity = inserts + 10 });
        var done = new CountdownEvent(inserts);
        var listener = system.ActorOf(Props.Create(() => new CountingListener(done)));
        system.EventStream.Subscribe(listener, typeof(TaskCompleted));
        var clock = Stopwatch.StartNew();
        var submits = await Task.WhenAll(Enumerable.Range(0, inserts).Select(i => queue.SubmitAsync(type.Type, new SqliteInsertInput($"k{i}", $"value {i}", type.Type.Replace('.', '-')))));
        if (submits.OfType<SubmitRejected>().FirstOrDefault() is { } rejected)
        {
            throw new InvalidOperationException($"A submit was refused: {rejected.Reason}");
        }

        await WaitAsync(done);
        return inserts / clock.Elapsed.TotalSeconds;
    });

    private static async Task WaitAsync(CountdownEvent done)
    {
        if (!await Task.Run(() => done.Wait(TimeSpan.FromMinutes(2))))
        {
            throw new TimeoutException($"{done.CurrentCount} tasks had not completed after 2 minutes.");
        }
    }

    /// <summary>Counts completions down.</summary>
    private sealed class CountingListener(CountdownEvent done) : UntypedActor
    {
        protected override void OnReceive(object message) => done.Signal();
    }
}
