using System.Diagnostics;
using System.Threading.Channels;
using Actors.Configuration;
using Actors.Tasks;
using Akka.Actor;

namespace Actors.Benchmarks;

/// <summary>The quick tasks suite: throughput, memory per waiting task, start latency, progress cost.</summary>
internal static class TasksQuick
{
    private const int NoopCount = 100_000;
    private const int WaitingCount = 100_000;
    private const int LatencySamples = 4_000;
    private const int LatencyWarmUpLimit = 5; // seconds
    private const double StartLatencyRate = 50_000;

    public static async Task RunAsync(Figures figures)
    {
        // Three full-size warm-ups: after one, the timed rounds still climbed with the JIT; five timed rounds, so that a slow
        // spell of the machine is not the median (docs/performance.md).
        var (channel, noop) = await Measure.CompareRatesAsync(5, ChannelNoopAsync, () => InTaskSystem(NoopAsync), warmUps: 3);
        figures.Report("baseline.channel.rate", channel, "per_s");
        figures.Report("tasks.noop.rate", noop, "per_s");
        figures.Goal("tasks.noop.rate", noop, ">= 250000", noop >= 250_000);

        var bytes = await InTaskSystem(WaitingBytesAsync);
        figures.Report("tasks.queued.bytes", bytes, "bytes");
        figures.Goal("tasks.queued.bytes", bytes, "<= 1024", bytes <= 1024);

        // At a fixed load (half the pre-step-8 rate), so that a faster queue is not measured under more load.
        var (cold, p99) = await InTaskSystem(system => StartLatencyP99Async(system, StartLatencyRate));
        figures.Report("tasks.start.cold.p99_us", cold, "us");
        figures.Report("tasks.start.p99_us", p99, "us");
        figures.Goal("tasks.start.p99_us", p99, "<= 500", p99 <= 500);

        figures.Report("tasks.progress.publish_ns", await InTaskSystem(ProgressCostAsync), "ns");
    }

    /// <summary>A fresh system with the library's defaults, which the lanes' mailbox needs.</summary>
    private static Task<T> InTaskSystem<T>(Func<ActorSystem, Task<T>> measure) => BenchSystems.InFreshSystem(measure, ActorsConfig.Defaults);

    private static ITaskQueue Start(ActorSystem system, Func<int, ITaskContext, Task<int>> handler, int slots = 2) =>
        TaskQueue.Start(system, [TaskDefinition.Create("noop", handler, TaskPresets.Analysis.WithConcurrencyLimit(slots).WithRetry(RetryPolicy.None))],
            TaskQueueSettings.Create(system) with { GlobalConcurrency = slots });

    /// <summary>Submit to completed event, 2 slots.</summary>
    private static async Task<int> NoopAsync(ActorSystem system)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = 0;
        var queue = Start(system, (n, _) =>
        {
            if (Interlocked.Increment(ref completed) == NoopCount)
            {
                done.TrySetResult();
            }

            return Task.FromResult(n);
        });
        var submit = new SubmitTask("noop", 0);
        for (var i = 0; i < NoopCount; i++)
        {
            queue.Queue.Tell(submit);
        }

        await done.Task;
        await queue.ListAsync(limit: 1);
        return NoopCount;
    }

    /// <summary>The baseline: a channel and two worker loops running the same no-op.</summary>
    private static async Task<int> ChannelNoopAsync()
    {
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await foreach (var item in channel.Reader.ReadAllAsync())
            {
                await Task.FromResult(item);
            }
        })).ToArray();
        for (var i = 0; i < NoopCount; i++)
        {
            channel.Writer.TryWrite(i);
        }

        channel.Writer.Complete();
        await Task.WhenAll(workers);
        return NoopCount;
    }

    /// <summary>Retained bytes per waiting task, with 100,000 waiting behind one busy slot.</summary>
    private static async Task<double> WaitingBytesAsync(ActorSystem system)
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Start(system, (_, _) => gate.Task, slots: 1);
        await queue.SubmitAsync("noop", 0);
        var bytes = await Measure.RetainedBytesPerItemAsync(WaitingCount, async count =>
        {
            for (var i = 0; i < count; i++)
            {
                queue.Queue.Tell(new SubmitTask("noop", i));
            }

            await queue.ListAsync(limit: 1);
            return queue;
        });
        gate.SetResult(0);
        return bytes;
    }

    /// <summary>
    /// Submit → started (from the <c>Tell</c> to the handler's first line) at a steady rate, from a sender that sleeps
    /// between submits (<see cref="Pacing"/>). Cold: the p99 of the queue's first 4,000 but the first 400. Warm: that of
    /// 3,600 of 4,000 submits after at least a second more at the same rate, until the young collections have adapted to
    /// the load (three since; the first after the suite's earlier rounds has a young generation of 36–61 MB, 7–17 ms), and
    /// the JIT's background compilation settled. No collection is forced before: the allocator then faults its memory back
    /// in during the window (decision 0025).
    /// </summary>
    private static async Task<(double Cold, double Warm)> StartLatencyP99Async(ActorSystem system, double rate)
    {
        var (submitted, started) = (new long[2 * LatencySamples], new long[2 * LatencySamples]);
        var handled = new CountdownEvent(0);
        var queue = Start(system, (n, _) =>
        {
            if (n >= 0)
            {
                started[n] = Stopwatch.GetTimestamp();
            }

            handled.Signal();
            return Task.FromResult(n);
        });
        await SendAsync(LatencySamples, i => i);
        var collections = GC.CollectionCount(0);
        for (var second = 0; second < 1 || (GC.CollectionCount(0) - collections < 3 && second < LatencyWarmUpLimit); second++)
        {
            await SendAsync((int)rate, _ => -1);
        }

        await Measure.JitSettledAsync();
        await SendAsync(LatencySamples, i => LatencySamples + i);
        handled.Dispose();
        return (P99(LatencySamples / 10, LatencySamples), P99(LatencySamples + LatencySamples / 10, 2 * LatencySamples));

        async Task SendAsync(int count, Func<int, int> input)
        {
            handled.Dispose();
            handled = new CountdownEvent(count);
            await Pacing.RunAsync(count, rate, (i, _) =>
            {
                var n = input(i);
                if (n >= 0)
                {
                    submitted[n] = Stopwatch.GetTimestamp();
                }

                queue.Queue.Tell(new SubmitTask("noop", n));
            });
            if (!await Task.Run(() => handled.Wait(TimeSpan.FromSeconds(30))))
            {
                throw new TimeoutException($"{handled.CurrentCount} of {count} submitted tasks had not started after 30 s.");
            }
        }

        double P99(int from, int to) => Enumerable.Range(from, to - from)
            .Select(i => Stopwatch.GetElapsedTime(submitted[i], started[i]).TotalMicroseconds).Order().ElementAt((int)((to - from) * 0.99));
    }

    /// <summary>The cost of one ReportProgress call inside a handler.</summary>
    private static async Task<double> ProgressCostAsync(ActorSystem system)
    {
        const int reports = 1_000_000;
        var cost = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = Start(system, (_, context) =>
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < reports; i++)
            {
                context.ReportProgress(i / (double)reports * 100);
            }

            cost.TrySetResult(watch.Elapsed.TotalNanoseconds / reports);
            return Task.FromResult(0);
        });
        await queue.SubmitAsync("noop", 0);
        return await cost.Task;
    }
}
