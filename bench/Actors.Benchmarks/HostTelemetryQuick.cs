using System.Diagnostics;
using Actors.Tasks;
using Actors.Telemetry;
using Akka.Actor;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Actors.Benchmarks;

/// <summary>
/// What exporting telemetry costs: no-op tasks submitted through <see cref="ITaskQueue.SubmitAsync"/> and run to completion,
/// with the OpenTelemetry SDK collecting the library's meters (into its in-memory exporter) and every span (submit and
/// attempt) through a batch processor (as OTLP is) into an exporter that reads each span as a serializer would and keeps
/// nothing, against the same with no SDK listening, in alternating rounds of the same run. (The in-memory span exporter
/// would keep every span of a round alive, 100,000 of them, and measure the garbage collector's copying of them rather
/// than tracing: no real exporter holds on to spans.)
/// </summary>
internal static class HostTelemetryQuick
{
    private const int Tasks = 50_000;

    public static async Task RunAsync(Figures figures)
    {
        // Timed around the submits and completions only (not the actor system's start and stop), alternating, after a warm-up of each.
        await RoundAsync(exported: false);
        await RoundAsync(exported: true);
        var offRounds = new List<(double Rate, double CpuUs)>();
        var onRounds = new List<(double Rate, double CpuUs)>();
        for (var round = 0; round < 7; round++)
        {
            offRounds.Add(await RoundAsync(exported: false));
            onRounds.Add(await RoundAsync(exported: true));
        }

        var (off, on) = (Median(offRounds.Select(r => r.Rate)), Median(onRounds.Select(r => r.Rate)));
        figures.Report("baseline.telemetry.off.rate", off, "tasks/s");
        figures.Report("host.telemetry.on.rate", on, "tasks/s");
        // Rounds on this 2-core machine vary twofold in rate (thread-pool spinning, GC timing); CPU time per task varies less.
        figures.Report("baseline.telemetry.off.cpu_per_task", Median(offRounds.Select(r => r.CpuUs)), "us");
        figures.Report("host.telemetry.on.cpu_per_task", Median(onRounds.Select(r => r.CpuUs)), "us");
        var ratio = on / off;
        figures.Report("host.telemetry.ratio", ratio, "x");
        figures.Goal("host.telemetry.ratio", ratio, ">= 0.9", ratio >= 0.9);
    }

    private static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);

    /// <summary>One round in a fresh actor system: its rate in tasks per second, and the process's CPU time per task.</summary>
    private static async Task<(double Rate, double CpuUs)> RoundAsync(bool exported)
    {
        var spans = new SpanCountingExporter();
        var metrics = new List<Metric>();
        using var tracer = exported
            ? Sdk.CreateTracerProviderBuilder().AddSource(ActorsTelemetry.Sources)
                .AddProcessor(new BatchActivityExportProcessor(spans, maxQueueSize: 1 << 18, scheduledDelayMilliseconds: 200, maxExportBatchSize: 4096)).Build()
            : null;
        using var meter = exported ? Sdk.CreateMeterProviderBuilder().AddMeter(ActorsTelemetry.Meters).AddInMemoryExporter(metrics).Build() : null;
        var measured = await BenchSystems.InFreshSystem(async system =>
        {
            var queue = TaskQueue.Start(system, [TaskDefinition.Create<int, int>("noop", (n, _) => Task.FromResult(n), TaskPresets.ComputationHeavy.WithConcurrencyLimit(64))],
                TaskQueueSettings.Create(system) with { GlobalConcurrency = 64, Capacity = Tasks + 10 });
            var done = new CountdownEvent(Tasks);
            system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Countdown(done))), typeof(TaskCompleted));
            // The previous round's system is garbage by now: collect it before the clock starts, not during the round.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Tasks).Select(i => queue.SubmitAsync("noop", i)));
            if (!await Task.Run(() => done.Wait(TimeSpan.FromMinutes(2))))
            {
                throw new TimeoutException($"{done.CurrentCount} tasks had not completed after 2 minutes.");
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Tasks;
            meter?.ForceFlush();
            tracer?.ForceFlush();
            return (elapsed, cpuUs);
        });
        if (exported && spans.Exported < 2 * Tasks)
        {
            throw new InvalidOperationException($"Only {spans.Exported} spans were exported for {Tasks} tasks (two each): the round did not measure what it says.");
        }

        return (Tasks / measured.elapsed, measured.cpuUs);
    }

    private sealed class Countdown(CountdownEvent done) : UntypedActor
    {
        protected override void OnReceive(object message) => done.Signal();
    }
}
